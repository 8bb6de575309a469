"""Glassbox trainer: trains, evaluates and exports the explainable sequential recommender.

The model contract (inputs `history`, `candidates`; outputs `scores`, `attention`,
`contribution`) is fixed by DESIGN.md section 3.
"""

__version__ = "0.1.0"
