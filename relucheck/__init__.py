"""relucheck: checked reproductions of Tian (ICML 2017), "An Analytical Formula of Population
Gradient for two-layered ReLU network and its Applications in Convergence and Critical Point
Analysis".

Layers (imports point down only): ``theory`` (closed forms), ``numerics`` (Monte Carlo,
integrators, statistics), ``experiments`` (one module per subcommand, returning a Result),
``output`` (writers and figures), ``cli`` (the click shell).
"""

__version__ = "0.1.0"
