"""The `acyclic_modules` contract of `.importlinter` sees a cycle wherever it is."""

from __future__ import annotations

import grimp

from tests.import_contracts import AcyclicModulesContract


def graph_of(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    return graph


def contract() -> AcyclicModulesContract:
    return AcyclicModulesContract("no cycles", session_options={}, contract_options={})


def test_a_cycle_across_packages_breaks_it_and_is_named() -> None:
    graph = graph_of(
        ("app.catalog.cli", "app.cli"),
        ("app.cli", "app.embedded.dev"),
        ("app.embedded.dev", "app.catalog.cli"),
        ("app.cli", "app.settings"),
    )
    check = contract().check(graph, verbose=False)
    assert not check.kept
    assert check.metadata["cycles"] == [
        ["app.catalog.cli", "app.cli", "app.embedded.dev", "app.catalog.cli"]
    ]


def test_layers_without_a_way_back_keep_it() -> None:
    graph = graph_of(
        ("app.cli", "app.catalog.cli"),
        ("app.catalog.cli", "app.commands"),
        ("app.cli", "app.commands"),
    )
    assert contract().check(graph, verbose=False).kept
