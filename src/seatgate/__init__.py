"""seatgate: concert ticketing backend."""
