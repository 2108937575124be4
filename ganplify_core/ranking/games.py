"""Coalition games and their exact Shapley values, computed by both formulas of the lecture.

A cooperative game on ``n`` players ``N`` is a worth function :math:`v: 2^N \\to \\mathbb{R}` with
:math:`v(\\emptyset) = 0`. Here a coalition ``S`` is a bit mask (bit ``i`` set when player ``i`` is in
``S``), so the game is one array ``worth`` of length :math:`2^n` with ``worth[S] = v(S)``.

The Shapley value of player ``i`` (L. S. Shapley, "A value for n-person games", 1953) is

.. math::

    \\varphi_i(v) = \\sum_{S \\subseteq N \\setminus \\{i\\}} \\frac{|S|!\\,(n-|S|-1)!}{n!}
                    \\left[v(S \\cup \\{i\\}) - v(S)\\right]                          \\qquad (1)

or, equivalently, the average over all :math:`n!` orders ``R`` in which the coalition can form of
the marginal contribution of ``i`` to the players :math:`P_i^R` that precede it,

.. math::

    \\varphi_i(v) = \\frac{1}{n!} \\sum_R \\left[v(P_i^R \\cup \\{i\\}) - v(P_i^R)\\right].   \\qquad (2)

Both are implemented (vectorised over coalitions and orders) so the page can show that they agree.
Efficiency: :math:`\\sum_i \\varphi_i = v(N)`.

Source: lecture "Input feature ranking" (seed 002), slides "Shapley value calculation" and the
two-friends example (v(F1,F2) = 600 $, v(F2) = 200 $, v(F1) = 0: F1 gets 200 $, F2 gets 400 $).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import numbers
from collections.abc import Mapping

import numpy as np

from ganplify_core import params
from ganplify_core.errors import InputError

MAX_PLAYERS = 8
MAX_COALITIONS = 2**MAX_PLAYERS  # every coalition of 8 players, the empty one included
MAX_GAME_CHARACTERS = 100_000    # a pasted game's JSON text
MISSING_RULES = ("zero", "additive")
MISSING_LABELS = {"zero": "0", "additive": "the sum of their members' single worths"}


@dataclasses.dataclass(frozen=True)
class CoalitionGame:
    """A cooperative game: ``worth[S]`` is v(S) for the coalition with bit mask ``S``.

    Parameters
    ----------
    players : tuple of str
        Player names; player ``i`` is bit ``1 << i``.
    worth : ndarray, shape (2**n,)
        Worth of every coalition, ``worth[0] = v(∅) = 0``.
    """

    players: tuple[str, ...]
    worth: np.ndarray

    @property
    def n_players(self) -> int:
        return len(self.players)


def coalition_masks(n_players: int) -> np.ndarray:
    """Bool (2**n, n): row ``S`` says which players coalition mask ``S`` holds (bit i = player i)."""
    masks = np.arange(2**n_players)
    return ((masks[:, None] >> np.arange(n_players)[None, :]) & 1).astype(bool)


def coalition_sizes(n_players: int) -> np.ndarray:
    """|S| for every mask ``S`` in ``0 .. 2**n - 1`` (popcount, vectorised)."""
    return coalition_masks(n_players).sum(axis=1)


def subset_weights(n_players: int) -> np.ndarray:
    """The weight :math:`|S|!(n-|S|-1)!/n!` of formula (1), indexed by |S| = 0 .. n-1."""
    n = n_players
    return np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])


def shapley_by_subsets(worth: np.ndarray) -> np.ndarray:
    """Exact Shapley values by formula (1): weighted marginal contributions over all subsets.

    Parameters
    ----------
    worth : ndarray, shape (2**n,) or (2**n, m)
        v(S) for every coalition mask (``m`` games at once in the second form).

    Returns
    -------
    ndarray, shape (n,) or (n, m)
    """
    worth = np.asarray(worth, dtype=np.float64)
    n = int(round(math.log2(worth.shape[0])))
    if 2**n != worth.shape[0]:
        raise ValueError("worth must have 2**n entries, one per coalition")
    masks = np.arange(2**n)
    weights = subset_weights(n)[np.minimum(coalition_sizes(n), max(n - 1, 0))]
    phi = np.empty((n,) + worth.shape[1:])
    for i in range(n):  # n <= 10: the loop is over players, the work over 2**(n-1) coalitions is vectorised
        without_i = masks[(masks >> i & 1) == 0]
        gain = worth[without_i | (1 << i)] - worth[without_i]
        phi[i] = np.tensordot(weights[without_i], gain, axes=(0, 0))
    return phi


def shapley_by_orderings(worth: np.ndarray) -> np.ndarray:
    """Exact Shapley values by formula (2): the average marginal contribution over all n! orders.

    Vectorised over orders: the coalition preceding each player is a cumulative sum of bit masks
    along each order. Memory is ``n! * n`` integers (8! * 8 = 322 560 for eight players).
    """
    worth = np.asarray(worth, dtype=np.float64)
    n = int(round(math.log2(worth.shape[0])))
    if n == 0:
        return np.zeros(0)
    orders = np.array(list(itertools.permutations(range(n))))  # (n!, n)
    bits = 1 << orders
    after = np.cumsum(bits, axis=1)
    before = after - bits
    marginal = worth[after] - worth[before]  # (n!, n): contribution of orders[r, k] in order r
    phi = np.zeros(n)
    np.add.at(phi, orders.ravel(), marginal.ravel())
    return phi / len(orders)


def marginal_contribution_table(game: CoalitionGame) -> list[dict]:
    """One row per order (for n <= 4): the order and each player's marginal contribution in it."""
    n = game.n_players
    rows = []
    for order in itertools.permutations(range(n)):
        row, mask = {"order": " → ".join(game.players[i] for i in order)}, 0
        for i in order:
            row[game.players[i]] = float(game.worth[mask | 1 << i] - game.worth[mask])
            mask |= 1 << i
        rows.append(row)
    return rows


def _parse_coalition(key: str) -> tuple[str, ...]:
    if key.count(",") >= MAX_PLAYERS:
        raise InputError(f"coalition '{key[:60]}…' names more than {MAX_PLAYERS} players; at most {MAX_PLAYERS} are allowed")
    names = tuple(name.strip() for name in key.split(",") if name.strip())
    if len(set(names)) != len(names):
        raise InputError(f"coalition '{key[:60]}' names a player twice; list each player once, e.g. \"F1,F2\"")
    return names


def _clip_repr(value: object, limit: int = 40) -> str:
    """A user's value as Python writes it, cut short enough to echo back in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def make_game(worths: Mapping[str, float], players: tuple[str, ...] | None = None, missing: str = "zero") -> CoalitionGame:
    """A game from named coalitions: ``{"F1,F2": 600, "F2": 200}``.

    Parameters
    ----------
    worths : mapping of str to float
        Comma-joined player names -> worth v(S). The empty coalition (key ``""``) must be 0 if given.
    players : tuple of str, optional
        Player order; default: the order in which names first appear in ``worths``.
    missing : {"zero", "additive"}
        Worth of a coalition not listed: ``"zero"`` gives v(S) = 0 (the lecture's convention: "if F1
        did not participate, payoff would be 0"); ``"additive"`` gives the sum of the listed
        single-player worths of its members, :math:`v(S) = \\sum_{i \\in S} v(\\{i\\})` (unlisted ones 0).
    """
    if missing not in MISSING_RULES:
        raise InputError(f"missing must be one of {', '.join(MISSING_RULES)}, not '{missing}'")
    if len(worths) > MAX_COALITIONS:  # checked before anything that grows with the number of coalitions
        raise InputError(f"{len(worths)} coalitions: a game of at most {MAX_PLAYERS} players has at most "
                         f"{MAX_COALITIONS} (the orderings formula sums over n! orders)")
    parsed: dict[tuple[str, ...], float] = {}
    seen: set[frozenset] = set()
    named: dict[str, None] = dict.fromkeys(players or ())
    for key, value in worths.items():
        names = _parse_coalition(str(key))
        named.update(dict.fromkeys(names))
        if len(named) > MAX_PLAYERS:
            raise InputError(f"at most {MAX_PLAYERS} players (got more: {', '.join(list(named)[:MAX_PLAYERS + 1])[:120]}…): "
                             "the orderings formula sums over n! orders")
        # A JSON number only: true/false (bool is an int in Python) and text such as "600" are refused,
        # never read as 1.0 or parsed.
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(f"worth of coalition '{str(key)[:40]}' must be a number, not {_clip_repr(value)}")
        try:
            worth = float(value)
        except OverflowError:  # a JSON integer with hundreds of digits
            worth = math.inf
        if not math.isfinite(worth):
            raise InputError(f"worth of coalition '{str(key)[:40]}' must be finite, not {_clip_repr(value)}")
        if not names:
            if worth != 0:
                raise InputError("the empty coalition must have worth 0 (v(∅) = 0)")
            continue
        if frozenset(names) in seen:
            raise InputError(f"coalition '{str(key)[:60]}' is given twice")
        seen.add(frozenset(names))
        parsed[names] = worth
    if players is None:
        players = tuple(dict.fromkeys(name for names in parsed for name in names))
    players = tuple(players)
    if not players:
        raise InputError("the game has no players: give at least one coalition, e.g. {\"F1,F2\": 600}")
    if len(players) > MAX_PLAYERS:
        raise InputError(f"at most {MAX_PLAYERS} players (got {len(players)}): the orderings formula sums over n! orders")
    if len(set(players)) != len(players):
        raise InputError("player names must be distinct")
    index = {p: i for i, p in enumerate(players)}
    unknown = {name for names in parsed for name in names} - set(index)
    if unknown:
        raise InputError(f"coalitions name unknown player(s) {', '.join(sorted(unknown))}; players are {', '.join(players)}")

    n = len(players)
    given = np.zeros(2**n, dtype=bool)
    worth = np.zeros(2**n)
    for names, value in parsed.items():
        mask = sum(1 << index[name] for name in names)
        worth[mask], given[mask] = value, True
    if missing == "additive":
        singles = np.array([worth[1 << i] if given[1 << i] else 0.0 for i in range(n)])
        worth = np.where(given, worth, coalition_masks(n) @ singles)
    worth[0] = 0.0
    return CoalitionGame(players, worth)


def parse_game_json(text: str, missing: str = "zero") -> CoalitionGame:
    """A game from JSON text mapping comma-joined coalitions to worths, e.g. ``{"F1,F2": 600, "F2": 200}``."""
    if len(text) > MAX_GAME_CHARACTERS:
        raise InputError(f"--game is {len(text):,} characters long; a game of at most {MAX_PLAYERS} players fits in "
                         f"{MAX_GAME_CHARACTERS:,}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"--game is not valid JSON ({exc.msg} at character {exc.pos}); "
                         "example: '{\"F1,F2\": 600, \"F2\": 200}'") from None
    except ValueError:  # an integer of more than 4300 digits (Python's limit on converting text to int)
        raise InputError("--game has a number with thousands of digits: give each worth as an ordinary number, "
                         "e.g. '{\"F1,F2\": 600, \"F2\": 200}'") from None
    except RecursionError:  # brackets nested thousands deep: Python's parser gives up
        raise InputError("--game is nested too deep: a game is one flat JSON object mapping coalitions to "
                         "worths, e.g. '{\"F1,F2\": 600, \"F2\": 200}'") from None
    if not isinstance(data, dict):
        raise InputError("--game must be a JSON object mapping coalitions to worths, e.g. '{\"F1,F2\": 600, \"F2\": 200}'")
    return make_game(data, missing=missing)


# The lecture's examples and two classics, as ready-made games (id -> worths; labels below).
PRESETS: dict[str, dict[str, float]] = {
    "two_friends": {"F1,F2": 600, "F1": 0, "F2": 200},
    "two_friends_equal": {"F1,F2": 600, "F1": 0, "F2": 0},
    "glove": {"L,R1": 1, "L,R2": 1, "L,R1,R2": 1, "R1,R2": 0},
    "majority": {"A,B": 1, "A,C": 1, "B,C": 1, "A,B,C": 1},
}
PRESET_LABELS = {
    "two_friends": "Two friends, F2 earns 200 $ alone (lecture example 2)",
    "two_friends_equal": "Two friends, neither earns alone (lecture example 1)",
    "glove": "Glove game: L has a left glove, R1 and R2 a right one; a pair is worth 1",
    "majority": "Majority vote: any two of A, B, C decide",
}


@dataclasses.dataclass(frozen=True)
class GameConfig(params.Config):
    """How a pasted game is read (the ``shapley`` command's options and the page's game settings)."""

    missing: str = params.param("zero", choices=MISSING_RULES, labels=MISSING_LABELS, widget="radio",
                                label="Coalitions not listed are worth",
                                help="worth of unlisted coalitions: 0 (default; the lecture's convention: a friend "
                                     "alone earns nothing unless stated) or the sum of their members' single worths")


# The page's preset games (a link names one by its id, ``game=two_friends``).
PRESET = params.Param("two_friends", choices=tuple(PRESETS), labels=PRESET_LABELS, label="Preset game",
                      help="a ready-made game to start from; edit its worths below")


@dataclasses.dataclass(frozen=True)
class ShapleyResult:
    """Exact Shapley values of a game by both formulas, and the efficiency check."""

    players: tuple[str, ...]
    by_subsets: np.ndarray
    by_orderings: np.ndarray
    grand_coalition_worth: float

    @property
    def efficiency_gap(self) -> float:
        """:math:`\\sum_i \\varphi_i - v(N)` (zero up to rounding)."""
        return float(self.by_subsets.sum() - self.grand_coalition_worth)


def solve_game(game: CoalitionGame) -> ShapleyResult:
    """Shapley values of ``game`` by formula (1) and formula (2)."""
    return ShapleyResult(game.players, shapley_by_subsets(game.worth), shapley_by_orderings(game.worth),
                         float(game.worth[-1]))
