"""Toy calorimeter showers and a conditional 3D convolutional GAN trained on them (3DGAN-like).

``simulate_showers`` (:mod:`.showers`) stands in for GEANT4; :mod:`.gan` holds the GAN and its shipped
checkpoint; :mod:`.plots` draws shower projections and mean profiles.
"""

from ganplify_core.calorimeter.showers import ShowerSample, expected_shower_maximum, simulate_showers

__all__ = ["ShowerSample", "expected_shower_maximum", "simulate_showers"]
