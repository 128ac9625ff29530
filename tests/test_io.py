"""Reading expression tables and priors, writing networks (skdash.io)."""

import gzip

import numpy as np
import pandas as pd
import pytest

from skdash.io import read_expression, read_prior, write_network

GENES = ["G1", "G2", "G3"]
EXPRESSION = """trajectory,time,G1,G2,G3
A,0,0.10,0.50,0.90
A,2,0.20,0.40,0.80
A,1,0.15,0.45,0.85
B,0,0.70,0.30,0.20
B,1,0.60,0.35,0.25
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


# --------------------------------------------------------------------------
# read_expression
# --------------------------------------------------------------------------
def test_read_expression_csv(tmp_path):
    X, t, trajectory = read_expression(write(tmp_path, "x.csv", EXPRESSION))
    assert list(X.columns) == GENES
    assert X.dtypes.eq(np.float64).all()
    np.testing.assert_array_equal(X["G1"], [0.10, 0.20, 0.15, 0.70, 0.60])
    np.testing.assert_array_equal(t, [0, 2, 1, 0, 1])  # row order is kept (the estimator sorts)
    assert trajectory.tolist() == ["A", "A", "A", "B", "B"]


@pytest.mark.parametrize("name, text", [
    ("x.tsv", EXPRESSION.replace(",", "\t")),
    ("x.txt", EXPRESSION.replace(",", "\t")),   # sniffed: tab
    ("x.dat", EXPRESSION),                      # sniffed: comma
    ("x.txt", EXPRESSION.replace(",", ";")),    # sniffed: semicolon
    ("x.csv", "\n\n" + EXPRESSION.replace(",", ", ")),  # leading blank lines, spaces after commas
    ("x.csv", "\ufeff" + EXPRESSION.replace("\n", "\r\n")),  # byte-order mark, Windows line ends
])
def test_read_expression_separators(tmp_path, name, text):
    X, t, trajectory = read_expression(write(tmp_path, name, text))
    expected, expected_t, _ = read_expression(write(tmp_path, "reference.csv", EXPRESSION))
    pd.testing.assert_frame_equal(X, expected)
    np.testing.assert_array_equal(t, expected_t)
    assert trajectory.tolist() == ["A", "A", "A", "B", "B"]


def test_read_expression_gzip_and_integer_trajectories(tmp_path):
    path = tmp_path / "x.tsv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(EXPRESSION.replace(",", "\t").replace("\nA", "\n7").replace("\nB", "\n9"))
    X, t, trajectory = read_expression(path)
    assert X.shape == (5, 3)
    assert trajectory.dtype.kind == "i" and trajectory.tolist() == [7, 7, 7, 9, 9]


def test_read_expression_custom_columns_and_single_trajectory(tmp_path):
    text = "hours,G1,G2\n0,0.1,0.2\n1,0.3,0.4\n3,0.5,0.6\n"
    X, t, trajectory = read_expression(write(tmp_path, "x.csv", text), time_column="hours",
                                       trajectory_column=None)
    assert list(X.columns) == ["G1", "G2"] and trajectory is None
    np.testing.assert_array_equal(t, [0, 1, 3])


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("\n  \n", "is empty"),
    ("trajectory,time,G1\n", "no data rows"),
    ("trajectory,G1,G2\nA,0.1,0.2\n", r"no time column 'time'.*'trajectory', 'G1', 'G2'"),
    ("time,G1,G2\n0,0.1,0.2\n", r"no trajectory column 'trajectory'.*trajectory_column"),
    ("trajectory,time\nA,0\n", "no gene columns"),
    ("trajectory,time,G1,G2,G1\nA,0,1,2,3\n", r"more than once: \['G1'\]"),
    ("trajectory,time,,G2\nA,0,1,2\n", r"without a name .*column number\(s\) \[3\]"),
    ("trajectory,time,G1\nA,0,0.1,0.5\n", "more fields"),
    ("trajectory,time,G1,G2\nA,0,0.1,0.2\nA,1,abc,0.3\n",
     r"gene column 'G1' .* non-numeric value 'abc' \(data row 2\)"),
    ("trajectory,time,G1,G2\nA,0,0.1,0.2\nA,1,0.2\n", r"gene column 'G2' .* missing value \(data row 2\)"),
    ("trajectory,time,G1,G2\nA,0,0.1,NA\n", r"gene column 'G2' .* missing value"),
    ("trajectory,time,G1\nA,0,inf\n", r"gene column 'G1' .* infinite"),
    ("trajectory,time,G1\nA,zero,0.1\n", r"time column 'time' .* non-numeric value 'zero'"),
    ("trajectory,time,G1\nA,-1,0.1\n", "negative time"),
    ("trajectory,time,G1\n,0,0.1\n", r"trajectory column 'trajectory' .* missing value \(data row 1\)"),
    ("trajectory,time,G1\nA,0,0.1\nB,0,0.2\nA,0,0.3\n",
     r"more than one row at time 0 in trajectory 'A' \(data row 3\)"),
])
def test_read_expression_bad_files(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_expression(write(tmp_path, "bad.csv", text))


def test_read_expression_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_expression(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="is a directory"):
        read_expression(tmp_path)
    path = write(tmp_path, "x.csv", EXPRESSION)
    with pytest.raises(TypeError, match="time_column"):
        read_expression(path, time_column="")
    with pytest.raises(ValueError, match="both 'time'"):
        read_expression(path, trajectory_column="time")
    with pytest.raises(TypeError, match="path must be"):
        read_expression(3)


# --------------------------------------------------------------------------
# read_prior
# --------------------------------------------------------------------------
def test_read_prior_matrix_is_aligned_by_name(tmp_path):
    # rows and columns in another order than the genes, with a blank first header cell
    text = "\tG3\tG1\tG2\nG2\t0\t-1\t0\nG1\t0\t0\t0.5\nG3\t1\t0\t0\n"
    prior = read_prior(write(tmp_path, "p.tsv", text), GENES)
    expected = np.array([[0, 0.5, 0], [-1, 0, 0], [0, 0, 1]], dtype=float)
    assert list(prior.index) == GENES and list(prior.columns) == GENES
    np.testing.assert_array_equal(prior.to_numpy(), expected)


def test_read_prior_rectangular_matrix_covers_some_genes(tmp_path):
    # transcription factors x some targets; genes left out get no prior edge
    prior = read_prior(write(tmp_path, "p.csv", "tf,G1,G3\nG2,1,-1\n"), GENES)
    expected = np.zeros((3, 3))
    expected[1, 0], expected[1, 2] = 1, -1
    np.testing.assert_array_equal(prior.to_numpy(), expected)


@pytest.mark.parametrize("header, values, expected", [
    ("regulator,target,sign", ["+", "-"], [1.0, -1.0]),
    ("regulator,target,sign", ["1", "-1"], [1.0, -1.0]),
    ("Regulator,Target,Weight", ["0.5", "-2"], [0.5, -2.0]),
    ("TF,target", None, [1.0, 1.0]),
])
def test_read_prior_edge_list(tmp_path, header, values, expected):
    rows = [("G1", "G2"), ("G3", "G1")]
    lines = [header] + [",".join(pair + ((values[i],) if values else ())) for i, pair in enumerate(rows)]
    prior = read_prior(write(tmp_path, "p.csv", "\n".join(lines) + "\n"), GENES)
    assert prior.loc["G1", "G2"] == expected[0]
    assert prior.loc["G3", "G1"] == expected[1]
    assert np.count_nonzero(prior.to_numpy()) == 2


@pytest.mark.parametrize("name, text, message", [
    ("p.csv", "", "is empty"),
    ("p.csv", "regulator,target,sign\nG1,G9,1\nX1,G2,1\n", r"1 regulator not in the expression data: \['X1'\]"),
    ("p.csv", "regulator,target,sign\nG1,G9,1\n", r"1 target not in the expression data: \['G9'\]"),
    ("p.csv", "regulator,target,sign\nG1,G2,1\nG1,G2,-1\n", r"more than once: \['G1->G2'\]"),
    ("p.csv", "regulator,target,sign,weight\nG1,G2,1,1\n", "both 'sign' and 'weight'"),
    ("p.csv", "regulator,target,sign\nG1,G2,up\n", r"'sign' column .* non-numeric value 'up' \(data row 1\)"),
    ("p.csv", "regulator,target\nG1,\n", r"'target' column .* missing value"),
    ("p.tsv", "\tG1\tG2\nG1\t0\t1\nGX\t1\t0\n", r"1 regulator \(row\) not in the expression data: \['GX'\]"),
    ("p.tsv", "\tG1\tG7\tG8\nG1\t0\t1\t1\n", r"2 targets \(columns\) .* \['G7', 'G8'\]"),
    ("p.tsv", "G1\tG2\tG3\n0\t1\t0\n1\t0\t0\n", "look like numbers"),
    ("p.tsv", "\tG1\tG2\nG1\t0\tx\n", r"target 'G2' .* non-numeric value 'x'"),
    ("p.tsv", "\tG1\tG2\nG1\t0\t1\nG1\t1\t0\n", r"regulators \(rows\) more than once: \['G1'\]"),
    ("p.tsv", "\tG1\tG1\nG1\t0\t1\n", r"more than once: \['G1'\]"),
    ("p.tsv", "genes\nG1\n", "single column"),
])
def test_read_prior_bad_files(tmp_path, name, text, message):
    with pytest.raises(ValueError, match=message):
        read_prior(write(tmp_path, name, text), GENES)


def test_read_prior_bad_gene_names(tmp_path):
    path = write(tmp_path, "p.csv", "regulator,target\nG1,G2\n")
    with pytest.raises(TypeError, match="list of gene names"):
        read_prior(path, "G1")
    with pytest.raises(ValueError, match=r"more than once: \['G1'\]"):
        read_prior(path, ["G1", "G1", "G2"])
    with pytest.raises(ValueError, match="empty"):
        read_prior(path, [])


# --------------------------------------------------------------------------
# write_network
# --------------------------------------------------------------------------
EDGES = pd.DataFrame({"regulator": ["G1", "G3"], "target": ["G2", "G1"], "weight": [0.5, -0.25],
                      "extra": [1, 2]})


@pytest.mark.parametrize("name, separator", [("net.tsv", "\t"), ("net.txt", "\t"), ("net.csv", ",")])
def test_write_network_round_trip(tmp_path, name, separator):
    path = tmp_path / name
    assert write_network(EDGES, path) == 2
    assert path.read_text().splitlines()[0] == separator.join(["regulator", "target", "weight"])
    back = pd.read_csv(path, sep=separator)
    pd.testing.assert_frame_equal(back, EDGES[["regulator", "target", "weight"]])
    # the written edge list is a valid prior again
    prior = read_prior(path, GENES)
    assert prior.loc["G1", "G2"] == 0.5 and prior.loc["G3", "G1"] == -0.25


def test_write_network_to_stdout(capsys):
    assert write_network(EDGES, "-") == 2
    assert capsys.readouterr().out.splitlines() == ["regulator\ttarget\tweight", "G1\tG2\t0.5", "G3\tG1\t-0.25"]


def test_write_network_errors(tmp_path):
    with pytest.raises(TypeError, match="DataFrame"):
        write_network(EDGES.to_numpy(), tmp_path / "n.tsv")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['weight'\]"):
        write_network(EDGES[["regulator", "target"]], tmp_path / "n.tsv")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_network(EDGES, tmp_path / "no" / "n.tsv")
    with pytest.raises(ValueError, match="directory"):
        write_network(EDGES, tmp_path)


def test_write_network_extra_columns(tmp_path):
    path = tmp_path / "net.tsv"
    write_network(EDGES, path, extra_columns=["extra"])
    pd.testing.assert_frame_equal(pd.read_csv(path, sep="\t"), EDGES)
    with pytest.raises(ValueError, match=r"lacks the extra column\(s\) \['confidence'\]"):
        write_network(EDGES, path, extra_columns=["confidence"])
