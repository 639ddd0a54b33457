"""The measuring defaults, defined once: tolerance, boundary-match distance and guidance bands.

Plain numbers with no imports, so the CLI can show them in ``--help`` without loading numpy.
``metrics`` builds its constants (``DEFAULT_TOL``, ``PLACE_BAND``...) from these.
"""

TOL = 0.01  # whole / split and coterminous tolerance, a share
SNAP = 50.0  # boundary-match distance, metres
PLACE_MAX = 500_000  # places: populations up to about 500,000
NEIGHBOURHOOD_MIN = 30_000  # neighbourhoods (PCNs): 30,000 to 50,000 people
NEIGHBOURHOOD_MAX = 50_000
