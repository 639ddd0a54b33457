"""`python -m placegeo`: the same entry point as the `placegeo` console script."""

from placegeo.cli import main

if __name__ == "__main__":
    main()
