"""Synthetic proteins labelled with helix / strand / coil, drawn from published statistics.

No labelled protein structure data can be installed offline here, so this module *generates*
sequences whose statistics follow the literature. The data are **synthetic**: a model that
learns them learns these statistics, not real proteins.

The generative model, in three steps (every number is a module constant, cited below):

1. **Fold class.** Each chain is all-alpha, all-beta or alpha/beta with equal probability
   (the three main SCOP classes, Murzin et al. 1995). The class sets the probability that
   a regular segment is a helix (`HELIX_SHARE`): 0.9, 0.1 or 0.5.
2. **Segments.** The chain is coil, then a regular segment (helix H or strand E), then
   coil, and so on, until it reaches its length (drawn uniformly from
   ``[min_length, max_length]``). Segment lengths are ``minimum + NegativeBinomial``, with
   the means and spreads of `SEGMENT_LENGTHS`: helices about 11 residues on average (at
   least 4, one turn), strands about 5.5 (at least 3), coils about 7 (at least 2), close
   to the lengths observed in DSSP assignments of the PDB (Barlow & Thornton 1988;
   Penel et al. 1999, 2003).
3. **Residues.** Given its state ``s``, each residue is drawn independently with
   probability ``P(a | s) ∝ P_s(a) · f(a)``: ``P_s(a)`` is the Chou–Fasman conformational
   parameter of amino acid ``a`` for state ``s`` (the ratio of its frequency in ``s`` to its
   overall frequency; Chou & Fasman 1978, `CHOU_FASMAN`), and ``f(a)`` the overall amino-acid
   composition (`BACKGROUND`, UniProtKB/Swiss-Prot). Chou & Fasman give no coil column; coil
   residues use their beta-turn column, since turns and loops are rich in the same residues
   (G, P, N, D, S).

What is *not* modelled: pairs and motifs of residues (helix caps, amphipathic periodicity,
hydrophobic strand alternation), evolution (no homologues, no profiles), tertiary contacts
and 3-10 / pi helices. Real proteins carry more signal than this generator in some ways
(profiles) and less in others (the class is not a clean switch), so accuracies on these data
are not comparable with published Q3 figures on real proteins.

- ``AMINO_ACIDS``: the 20 one-letter codes in the order used for one-hot columns.
- ``STATES``: ``"HEC"``; label ``0`` is helix, ``1`` strand, ``2`` coil.
- ``emission_probabilities()``: the ``(3, 20)`` table ``P(a | s)``.
- ``generate_protein(rng, ...)``: one chain, ``(sequence, structure)`` strings.
- ``make_proteins(n, seed=0, ...)``: ``n`` chains.
- ``encode_labels(structure)``: ``"HEC"`` string to int array.

References:
- P. Y. Chou and G. D. Fasman (1978). Prediction of the secondary structure of proteins from
  their amino acid sequence. *Advances in Enzymology and Related Areas of Molecular Biology*
  47, 45–148 (conformational parameters; the helix and sheet columns are also AAindex entries
  CHOP780201 and CHOP780202).
- The UniProt Consortium. UniProtKB/Swiss-Prot release statistics, amino-acid composition
  (rounded to 0.01 %; it changes by less than 0.1 point between releases).
- D. J. Barlow and J. M. Thornton (1988). Helix geometry in proteins. *J. Mol. Biol.* 201,
  601–619.
- S. Penel, R. G. Morrison, R. J. Mortishire-Smith and A. J. Doig (1999). Periodicity in
  alpha-helix lengths and C-capping preferences. *J. Mol. Biol.* 293, 1211–1219.
- S. Penel, R. G. Morrison, P. D. Dobson, R. J. Mortishire-Smith and A. J. Doig (2003).
  Length preferences and periodicity in beta-strands. *Protein Engineering* 16, 957–961.
- A. G. Murzin, S. E. Brenner, T. Hubbard and C. Chothia (1995). SCOP: a structural
  classification of proteins database. *J. Mol. Biol.* 247, 536–540.
- W. Kabsch and C. Sander (1983). Dictionary of protein secondary structure (DSSP).
  *Biopolymers* 22, 2577–2637.
"""

import numpy as np

__all__ = ["AMINO_ACIDS", "STATES", "CHOU_FASMAN", "BACKGROUND", "SEGMENT_LENGTHS",
           "HELIX_SHARE", "emission_probabilities", "generate_protein", "make_proteins",
           "encode_labels"]

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
STATES = "HEC"  # label 0: helix, 1: strand (extended), 2: coil

# Chou & Fasman (1978) conformational parameters: (P_alpha, P_beta, P_turn).
CHOU_FASMAN = {
    "A": (1.42, 0.83, 0.66), "R": (0.98, 0.93, 0.95), "N": (0.67, 0.89, 1.56),
    "D": (1.01, 0.54, 1.46), "C": (0.70, 1.19, 1.19), "Q": (1.11, 1.10, 0.98),
    "E": (1.51, 0.37, 0.74), "G": (0.57, 0.75, 1.56), "H": (1.00, 0.87, 0.95),
    "I": (1.08, 1.60, 0.47), "L": (1.21, 1.30, 0.59), "K": (1.16, 0.74, 1.01),
    "M": (1.45, 1.05, 0.60), "F": (1.13, 1.38, 0.60), "P": (0.57, 0.55, 1.52),
    "S": (0.77, 0.75, 1.43), "T": (0.83, 1.19, 0.96), "W": (1.08, 1.37, 0.96),
    "Y": (0.69, 1.47, 1.14), "V": (1.06, 1.70, 0.50),
}

# Amino-acid composition of UniProtKB/Swiss-Prot, in percent (rounded).
BACKGROUND = {
    "A": 8.25, "R": 5.53, "N": 4.06, "D": 5.45, "C": 1.37, "Q": 3.93, "E": 6.75,
    "G": 7.07, "H": 2.27, "I": 5.96, "L": 9.66, "K": 5.84, "M": 2.42, "F": 3.86,
    "P": 4.70, "S": 6.56, "T": 5.34, "W": 1.08, "Y": 2.92, "V": 6.87,
}

# Segment length = minimum + NegativeBinomial with this mean and standard deviation in total.
SEGMENT_LENGTHS = {
    "H": {"minimum": 4, "mean": 11.0, "sd": 5.0},
    "E": {"minimum": 3, "mean": 5.5, "sd": 2.0},
    "C": {"minimum": 2, "mean": 7.0, "sd": 5.0},
}

# Probability that a regular segment is a helix, by fold class (drawn uniformly per chain).
HELIX_SHARE = {"all-alpha": 0.9, "all-beta": 0.1, "alpha/beta": 0.5}


def emission_probabilities():
    """The probability of each amino acid given the state, ``P(a | s) ∝ P_s(a) · f(a)``.

    Returns:
    - probs: float64 array of shape (3, 20); row ``s`` (0 helix, 1 strand, 2 coil, as in
      ``STATES``) is a distribution over ``AMINO_ACIDS``, summing to 1.
    """
    background = np.array([BACKGROUND[a] for a in AMINO_ACIDS]) / 100.0          # (20,)
    propensity = np.array([CHOU_FASMAN[a] for a in AMINO_ACIDS]).T               # (3, 20)
    probs = propensity * background
    return probs / probs.sum(axis=1, keepdims=True)


def _segment_length(rng, state):
    """``minimum + NegativeBinomial(n, p)`` with the total mean and sd of SEGMENT_LENGTHS."""
    spec = SEGMENT_LENGTHS[state]
    extra_mean = spec["mean"] - spec["minimum"]
    var = spec["sd"] ** 2
    p = extra_mean / var                 # NB mean n(1-p)/p, variance n(1-p)/p^2
    n = extra_mean * p / (1.0 - p)
    return spec["minimum"] + int(rng.negative_binomial(n, p))


def generate_protein(rng, *, min_length=50, max_length=250, fold_class=None):
    """One synthetic chain with its secondary structure.

    Inputs:
    - rng: a ``numpy.random.Generator``.
    - min_length, max_length: the chain length is uniform in ``[min_length, max_length]``.
    - fold_class: one of ``HELIX_SHARE`` (``"all-alpha"``, ``"all-beta"``, ``"alpha/beta"``),
      or None to draw it uniformly.

    Returns a tuple of:
    - sequence: str of length L, one-letter amino-acid codes from ``AMINO_ACIDS``
    - structure: str of length L over ``"HEC"`` (helix, strand, coil)
    """
    if not 1 <= min_length <= max_length:
        raise ValueError(f"generate_protein: need 1 <= min_length <= max_length, got "
                         f"{min_length}, {max_length}")
    classes = list(HELIX_SHARE)
    if fold_class is None:
        fold_class = classes[int(rng.integers(len(classes)))]
    if fold_class not in HELIX_SHARE:
        raise ValueError(f"generate_protein: fold_class must be one of {classes}, got "
                         f"{fold_class!r}")
    length = int(rng.integers(min_length, max_length + 1))
    states = []
    regular = False                      # chains start with coil, then alternate
    while len(states) < length:
        if regular:
            state = "H" if rng.random() < HELIX_SHARE[fold_class] else "E"
        else:
            state = "C"
        states.extend(state * _segment_length(rng, state))
        regular = not regular
    structure = "".join(states[:length])
    labels = encode_labels(structure)                                    # (L,)
    probs = emission_probabilities()                                     # (3, 20)
    cumulative = np.cumsum(probs, axis=1)[labels]                        # (L, 20)
    u = rng.random((length, 1))
    residues = np.minimum((u > cumulative).sum(axis=1), len(AMINO_ACIDS) - 1)
    sequence = "".join(AMINO_ACIDS[i] for i in residues)
    return sequence, structure


def make_proteins(n, seed=0, *, min_length=50, max_length=250):
    """``n`` synthetic chains, reproducible from ``seed``.

    Inputs:
    - n: the number of chains.
    - seed: the seed of ``numpy.random.default_rng``; the same seed gives the same chains.
    - min_length, max_length: chain lengths are uniform in ``[min_length, max_length]``.

    Returns:
    - proteins: list of ``n`` tuples ``(sequence, structure)`` as from ``generate_protein``.
    """
    rng = np.random.default_rng(seed)
    return [generate_protein(rng, min_length=min_length, max_length=max_length)
            for _ in range(int(n))]


def encode_labels(structure):
    """Secondary structure string to labels.

    Inputs:
    - structure: str over ``"HEC"``.

    Returns:
    - labels: int64 array of shape (L,): 0 for H, 1 for E, 2 for C.
    """
    lookup = {s: i for i, s in enumerate(STATES)}
    try:
        return np.array([lookup[s] for s in structure], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"encode_labels: unknown state {exc.args[0]!r}; use one of "
                         f"{STATES!r}") from None
