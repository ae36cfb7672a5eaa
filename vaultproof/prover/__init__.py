"""The prover: models build obligations, ``solver`` alone decides them, ``runner`` schedules them."""
