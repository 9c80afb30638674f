"""lstmlib.data.protein: synthetic chains with helix / strand / coil labels from published
statistics (Chou & Fasman propensities, realistic segment lengths)."""

import itertools

import numpy as np
import pytest

from lstmlib.data import protein


def _runs(chains):
    """Lengths of the runs of each state, leaving out the last run of each chain (cut short)."""
    runs = {s: [] for s in protein.STATES}
    for _, structure in chains:
        groups = [(k, len(list(g))) for k, g in itertools.groupby(structure)]
        for state, n in groups[:-1]:
            runs[state].append(n)
    return runs


@pytest.fixture(scope="module")
def chains():
    return protein.make_proteins(1500, seed=0)


def test_tables_are_the_published_ones():
    assert protein.AMINO_ACIDS == "ACDEFGHIKLMNPQRSTVWY" and protein.STATES == "HEC"
    assert set(protein.CHOU_FASMAN) == set(protein.BACKGROUND) == set(protein.AMINO_ACIDS)
    # a few entries of Chou & Fasman (1978): the strongest formers and breakers
    assert protein.CHOU_FASMAN["E"][:2] == (1.51, 0.37)
    assert protein.CHOU_FASMAN["V"][1] == 1.70 and protein.CHOU_FASMAN["G"][2] == 1.56
    assert protein.CHOU_FASMAN["P"] == (0.57, 0.55, 1.52)
    assert abs(sum(protein.BACKGROUND.values()) - 100.0) < 0.5


def test_emission_probabilities_follow_the_propensities():
    probs = protein.emission_probabilities()
    assert probs.shape == (3, 20) and np.allclose(probs.sum(axis=1), 1.0) and (probs > 0).all()
    background = np.array([protein.BACKGROUND[a] for a in protein.AMINO_ACIDS]) / 100
    ratio = probs / background                                           # proportional to P_s(a)
    for s in range(3):
        published = np.array([protein.CHOU_FASMAN[a][s] for a in protein.AMINO_ACIDS])
        assert np.allclose(ratio[s] / ratio[s].mean(), published / published.mean())


def test_chains_are_valid_and_reproducible(chains):
    for sequence, structure in chains[:200]:
        assert len(sequence) == len(structure)
        assert 50 <= len(sequence) <= 250
        assert set(sequence) <= set(protein.AMINO_ACIDS) and set(structure) <= set("HEC")
        assert structure[0] == "C"                                          # chains start with coil
    assert protein.make_proteins(5, seed=3) == protein.make_proteins(5, seed=3)
    assert protein.make_proteins(5, seed=3) != protein.make_proteins(5, seed=4)
    short = protein.make_proteins(20, seed=1, min_length=10, max_length=12)
    assert all(10 <= len(s) <= 12 for s, _ in short)


def test_segment_lengths_are_realistic(chains):
    runs = _runs(chains)
    assert 10.0 <= np.mean(runs["H"]) <= 12.0 and min(runs["H"]) >= 4
    assert 5.0 <= np.mean(runs["E"]) <= 6.0 and min(runs["E"]) >= 3
    assert 6.0 <= np.mean(runs["C"]) <= 8.0 and min(runs["C"]) >= 2
    # coil separates regular segments: H and E never touch
    for _, structure in chains[:300]:
        assert "HE" not in structure and "EH" not in structure


def test_state_shares_and_composition(chains):
    structure = "".join(t for _, t in chains)
    sequence = "".join(s for s, _ in chains)
    share = {s: structure.count(s) / len(structure) for s in "HEC"}
    assert 0.28 <= share["H"] <= 0.40 and 0.14 <= share["E"] <= 0.25 and 0.40 <= share["C"] <= 0.55
    labels = protein.encode_labels(structure)
    residues = np.array([protein.AMINO_ACIDS.index(a) for a in sequence])
    counts = np.zeros((3, 20))
    np.add.at(counts, (labels, residues), 1)
    freq = counts / counts.sum(axis=1, keepdims=True)
    assert np.abs(freq - protein.emission_probabilities()).max() < 0.01
    # helix formers in helices, strand formers in strands, breakers in coil
    col = protein.AMINO_ACIDS.index
    assert freq[0, col("E")] > 2 * freq[1, col("E")]
    assert freq[1, col("V")] > 1.4 * freq[0, col("V")]
    assert freq[2, col("G")] > 2 * freq[0, col("G")] and freq[2, col("P")] > 2 * freq[1, col("P")]


def test_task_is_learnable_but_not_from_one_residue(chains):
    """The best guess from one residue alone is only a little better than always 'coil'."""
    structure = "".join(t for _, t in chains)
    sequence = "".join(s for s, _ in chains)
    labels = protein.encode_labels(structure)
    prior = np.bincount(labels, minlength=3) / len(labels)
    best = np.argmax(prior[:, None] * protein.emission_probabilities(), axis=0)
    single = (best[[protein.AMINO_ACIDS.index(a) for a in sequence]] == labels).mean()
    assert prior.max() < single < prior.max() + 0.08


def test_fold_classes_and_errors():
    rng = np.random.default_rng(0)
    alpha = "".join(protein.generate_protein(rng, fold_class="all-alpha")[1] for _ in range(40))
    beta = "".join(protein.generate_protein(rng, fold_class="all-beta")[1] for _ in range(40))
    assert alpha.count("H") > 5 * alpha.count("E") and beta.count("E") > 2 * beta.count("H")
    with pytest.raises(ValueError, match="fold_class"):
        protein.generate_protein(rng, fold_class="all-gamma")
    with pytest.raises(ValueError, match="min_length"):
        protein.generate_protein(rng, min_length=0)
    with pytest.raises(ValueError, match="unknown state"):
        protein.encode_labels("HEX")
    assert protein.encode_labels("HEC").tolist() == [0, 1, 2]
