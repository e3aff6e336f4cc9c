"""A contract type for import-linter (`.importlinter`, `make lint`): no import cycle
between modules, anywhere under the root package.

import-linter's own `acyclic_siblings` compares whole packages, which seatgate's layout
does not promise: a feature keeps its `cli.py`, above the shared `commands.py`, in the
same package as its services, below it. This one follows imports module by module, as
Python executes them.
"""

from __future__ import annotations

from itertools import pairwise

import grimp
from importlinter import Contract, ContractCheck, output


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        cycles: list[list[str]] = []
        in_a_cycle: set[tuple[str, str]] = set()
        for importer in sorted(graph.modules):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if (importer, imported) in in_a_cycle:
                    continue
                back = graph.find_shortest_chain(importer=imported, imported=importer)
                if back is None:
                    continue
                cycle = [importer, *back]
                cycles.append(cycle)
                in_a_cycle.update(pairwise(cycle))
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(" -> ".join(cycle), bold=False)
        output.new_line()
