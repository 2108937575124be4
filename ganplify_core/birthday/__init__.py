"""Birthday-paradox estimate of a generator's support size (3D calorimeter showers).

If s samples of a generator contain a duplicate pair with probability ½, its support is about s².
Duplicates are defined as in K. Jaruskova and S. Vallecorsa, "Estimating Support Size of the 3DGAN"
(IML workshop, CERN, 2020): shower shapes (JS divergence), total energy and 3D SSIM, each below (SSIM:
above) the α-quantile of its distribution over pairs of training showers.

Modules: :mod:`.features` (shapes, energy), :mod:`.distances` (JS, energy, SSIM), :mod:`.duplicates`
(thresholds, duplicate pairs of a pool), :mod:`.support` (curve and estimators), :mod:`.sources`
(simulator, GAN, generators of known support), :mod:`.experiment` (``run_birthday``), :mod:`.plots`,
:mod:`.cli`.
"""

from ganplify_core.birthday.experiment import BirthdayConfig, BirthdayResult, SourceResult, run_birthday

__all__ = ["BirthdayConfig", "BirthdayResult", "SourceResult", "run_birthday"]
