"""Pure rule functions (no ORM, no settings, no clock): frozen dataclasses in, Decimals and reasons out."""
