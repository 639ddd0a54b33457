"""PCN footprints: Primary Care Networks as unions of whole LSOAs, built from practice membership.

NHS England publishes no PCN polygons, only which practices belong to which PCN. ``build_pcns`` gives every
block (LSOA) of a footprint to one PCN -- by registered patients, nearest practice or eDEC catchment -- and
unions them, so PCNs nest in the same blocks as districts and CCGs. See docs/pcn.md.
"""

from placegeo.pcn.build import METHODS, PcnBuild, build_pcns, write_pcns
from placegeo.pcn.sources import read_list_sizes, read_membership, read_practices, read_registrations

__all__ = ["METHODS", "PcnBuild", "build_pcns", "read_list_sizes", "read_membership", "read_practices",
           "read_registrations", "write_pcns"]
