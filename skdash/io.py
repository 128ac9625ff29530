"""Reading expression tables and priors from files, writing networks.

The formats are those of the command line (``skdash fit``) and of the tools
skdash users come from:

- **Expression** in long format: one row per snapshot, a trajectory column, a
  time column and one column per gene (CSV or TSV)::

      trajectory,time,G1,G2,G3
      A,0,0.41,0.52,0.33
      A,2,0.47,0.50,0.35
      B,0,0.62,0.21,0.70

- **Prior** either as a regulators x targets matrix with gene names as the
  first column and as the header (missing genes mean "no prior edge"), or as an
  edge list with columns ``regulator``, ``target`` and optionally ``sign`` or
  ``weight`` (``+``/``-`` are accepted as signs; no column means +1)::

      regulator,target,sign
      G1,G2,1
      G3,G1,-1

- **Network** as an edge list in the style of arboreto: tab-separated columns
  ``regulator``, ``target``, ``weight``.

The separator is chosen by the file extension (``.csv``: comma; ``.tsv`` and
``.tab``: tab; compressed ``.gz``/``.bz2``/``.xz`` files by the extension before
it) and otherwise sniffed from the header line.  Every reader raises a
``ValueError`` that names the file and the offending column, gene or value.

:func:`from_anndata` reads the same data from an AnnData object.
"""

import bz2
import gzip
import io
import lzma
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ._anndata import from_anndata
from ._gene_matrix import check_gene_names, to_matrix
from ._messages import shown_names

__all__ = ["from_anndata", "read_expression", "read_prior", "write_network"]

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_SEPARATOR_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}
#: Column names of an edge-list prior (lower case), and of its weight column.
_REGULATOR_COLUMNS = ("regulator", "tf")
_WEIGHT_COLUMNS = ("weight", "sign")
_SIGN_WORDS = {"+": 1.0, "-": -1.0}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _check_path(path, what):
    if not isinstance(path, (str, Path)):
        raise TypeError(f"The {what} path must be a string or pathlib.Path; got {type(path).__name__}.")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"The {what} file '{path}' does not exist.")
    if path.is_dir():
        raise ValueError(f"The {what} path '{path}' is a directory, not a file.")
    return path


def _first_line(path):
    """The header line (first non-blank line) and the number of lines up to it."""
    opener = _OPENERS.get(path.suffix.lower(), open)
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    return line, number
    except (OSError, EOFError, UnicodeDecodeError, lzma.LZMAError) as error:
        raise ValueError(f"Cannot read '{path}' as a text table: {error}") from None
    return "", 0


def _separator(path, header_line):
    """Separator from the extension, else from the header line."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] in _OPENERS:
        suffixes.pop()
    counts = {sep: header_line.count(sep) for sep in ("\t", ",", ";")}
    best = max(counts, key=counts.get)
    if suffixes and suffixes[-1] in _SEPARATORS:
        named = _SEPARATORS[suffixes[-1]]
        if counts[named] > 0 or counts[best] == 0:
            return named
        # e.g. a tab-separated file saved as .csv: the header shows what it is
        warnings.warn(
            f"'{path}' is named {suffixes[-1]} but its header has no {_SEPARATOR_NAMES[named]} and "
            f"{counts[best]} {_SEPARATOR_NAMES[best]}s: reading it as {_SEPARATOR_NAMES[best]}-separated.",
            UserWarning, stacklevel=4)
        return best
    if counts[best] > 0:
        return best
    return r"\s+"


class _Table:
    """A delimited file: its path, separator and header, read lazily."""

    def __init__(self, path, what):
        self.path = _check_path(path, what)
        self.what = what
        header_line, self.skip = _first_line(self.path)
        if not header_line.strip():
            raise ValueError(f"The {what} file '{self.path}' is empty.")
        self.sep = _separator(self.path, header_line)
        self.engine = "python" if len(self.sep) > 1 else "c"
        header = pd.read_csv(io.StringIO(header_line), sep=self.sep, engine=self.engine, header=None,
                             dtype=str, keep_default_na=False, index_col=False)
        self.names = [str(name).strip() for name in header.iloc[0]]

    def read(self, text_columns=()):
        """The data rows; columns are the header names, ``text_columns`` kept as strings."""
        positions = [self.names.index(name) for name in text_columns]
        try:
            body = pd.read_csv(self.path, sep=self.sep, engine=self.engine, header=None, skiprows=self.skip,
                               dtype={i: str for i in positions}, encoding="utf-8-sig", index_col=False)
        except pd.errors.EmptyDataError:
            body = pd.DataFrame(columns=range(len(self.names)))
        except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError, lzma.LZMAError) as error:
            raise ValueError(f"Cannot parse the {self.what} file '{self.path}': {error}") from None
        if body.shape[1] > len(self.names):
            raise ValueError(
                f"The {self.what} file '{self.path}' has rows with more fields ({body.shape[1]}) than its "
                f"header has names ({len(self.names)}). Every column needs a name; a row index written "
                "by pandas can be left out with `to_csv(..., index=False)`."
            )
        body = body.reindex(columns=range(len(self.names)))
        for i in positions:
            body[i] = body[i].astype(object).where(body[i].notna(), None)
            body[i] = body[i].map(lambda value: value.strip() if isinstance(value, str) else value)
        body.columns = self.names
        return body

    def check_header(self, *, allow_first_blank=False):
        names = self.names
        blank = [i + 1 for i, name in enumerate(names) if not name and not (allow_first_blank and i == 0)]
        if blank:
            raise ValueError(
                f"The {self.what} file '{self.path}' has columns without a name in its header (column "
                f"number(s) {blank}). Every column needs a name; a row index written by pandas can be "
                "left out with `to_csv(..., index=False)`."
            )
        checked = names[1:] if allow_first_blank else names
        duplicated = pd.Index(checked)[pd.Index(checked).duplicated()].unique().tolist()
        if duplicated:
            raise ValueError(
                f"The {self.what} file '{self.path}' names these columns more than once: {shown_names(duplicated)}."
            )


def _missing(column):
    missing = column.isna()
    if not pd.api.types.is_numeric_dtype(column.dtype) and column.dtype != bool:
        missing |= column.fillna("-").astype(str).str.strip().eq("")
    return missing


def _to_numbers(column, where, *, words=None):
    """A column as float64; raise naming the first missing, non-numeric or infinite value."""
    missing = _missing(column).to_numpy()
    if missing.any():
        raise ValueError(f"{where} has a missing value (data row {int(np.flatnonzero(missing)[0]) + 1}).")
    if column.dtype == bool:
        raise ValueError(f"{where} has a non-numeric value {column.iloc[0]!r} (data row 1).")
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64)
    else:
        text = column.map(lambda value: value.strip() if isinstance(value, str) else value)
        if words is not None:
            text = text.map(lambda value: words.get(value, value))
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{where} has a non-numeric value {column.iloc[row]!r} (data row {row + 1}).")
    infinite = ~np.isfinite(values)
    if infinite.any():
        raise ValueError(f"{where} has an infinite value (data row {int(np.flatnonzero(infinite)[0]) + 1}).")
    return values


# --------------------------------------------------------------------------
# Expression
# --------------------------------------------------------------------------
def read_expression(path, *, time_column="time", trajectory_column="trajectory"):
    """Read time-series expression in long format from a CSV or TSV file.

    Parameters
    ----------
    path : str or pathlib.Path
        A delimited text file (``.csv``, ``.tsv``, possibly ``.gz``/``.bz2``/
        ``.xz``-compressed; other extensions are sniffed) whose header names
        every column: the time column, the trajectory column and one column
        per gene.  Rows need not be sorted.
    time_column : str, default="time"
        Name of the column with the time of each row (numbers >= 0, any unit).
    trajectory_column : str or None, default="trajectory"
        Name of the column saying which time course each row belongs to (any
        labels).  ``None`` means that all rows form a single time course.

    Returns
    -------
    X : DataFrame of shape (n_samples, n_genes)
        Expression, one column per gene (the remaining columns, in file order).
    t : ndarray of shape (n_samples,)
        Time of each row.
    trajectory : ndarray of shape (n_samples,) or None
        Trajectory label of each row; ``None`` when ``trajectory_column`` is None.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is empty or unparsable, lacks the time or trajectory column,
        names a column twice, has no gene column, holds a missing, non-numeric
        or infinite value (the message names the column and the row), a
        negative time, or two rows with the same time in one trajectory.

    See Also
    --------
    read_prior : Read a prior network aligned to the genes.
    from_anndata : The same from an AnnData object.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skdash.io import read_expression
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "expression.csv"
    >>> _ = path.write_text("trajectory,time,G1,G2\\n"
    ...                     "A,0,0.1,0.5\\nA,1,0.2,0.4\\nB,0,0.7,0.3\\nB,1,0.6,0.2\\n")
    >>> X, t, trajectory = read_expression(path)
    >>> list(X.columns), t.tolist(), trajectory.tolist()
    (['G1', 'G2'], [0.0, 1.0, 0.0, 1.0], ['A', 'A', 'B', 'B'])
    """
    if not isinstance(time_column, str) or not time_column:
        raise TypeError(f"time_column must be a non-empty string; got {time_column!r}.")
    if trajectory_column is not None and (not isinstance(trajectory_column, str) or not trajectory_column):
        raise TypeError(f"trajectory_column must be a non-empty string or None; got {trajectory_column!r}.")
    if trajectory_column == time_column:
        raise ValueError(f"time_column and trajectory_column are both {time_column!r}.")
    table = _Table(path, "expression")
    path, names = table.path, table.names
    table.check_header()
    for column, what, option in ((time_column, "time", "time_column"),
                                 (trajectory_column, "trajectory", "trajectory_column")):
        if column is not None and column not in names:
            raise ValueError(
                f"The expression file '{path}' has no {what} column {column!r} (set {option} to the "
                f"right name); its columns are {shown_names(names)}."
            )
    genes = [name for name in names if name not in (time_column, trajectory_column)]
    if not genes:
        raise ValueError(
            f"The expression file '{path}' has no gene columns: every column besides {time_column!r}"
            f"{'' if trajectory_column is None else f' and {trajectory_column!r}'} should hold one gene."
        )
    body = table.read(text_columns=() if trajectory_column is None else (trajectory_column,))
    if body.shape[0] == 0:
        raise ValueError(f"The expression file '{path}' has a header but no data rows.")
    t = _to_numbers(body[time_column], f"The time column {time_column!r} of '{path}'")
    if np.any(t < 0):
        row = int(np.flatnonzero(t < 0)[0])
        raise ValueError(
            f"The time column {time_column!r} of '{path}' has a negative time {t[row]:g} (data row "
            f"{row + 1}); times must be >= 0."
        )
    X = pd.DataFrame({gene: _to_numbers(body[gene], f"The gene column {gene!r} of '{path}'") for gene in genes})
    if trajectory_column is None:
        trajectory, labels = None, np.zeros(len(t), dtype=int)
    else:
        column = body[trajectory_column]
        missing = _missing(column).to_numpy()
        if missing.any():
            raise ValueError(
                f"The trajectory column {trajectory_column!r} of '{path}' has a missing value "
                f"(data row {int(np.flatnonzero(missing)[0]) + 1})."
            )
        labels = column.to_numpy(dtype=object)
        numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
        integral = not np.isnan(numbers).any() and np.array_equal(numbers, np.round(numbers))
        trajectory = numbers.astype(np.int64) if integral else labels
    repeated = pd.DataFrame({"trajectory": labels, "time": t}).duplicated().to_numpy()
    if repeated.any():
        row = int(np.flatnonzero(repeated)[0])
        where = "" if trajectory_column is None else f" in trajectory {labels[row]!r}"
        raise ValueError(
            f"The expression file '{path}' has more than one row at time {t[row]:g}{where} (data row "
            f"{row + 1}): times must be unique within a trajectory."
        )
    return X, t, trajectory


# --------------------------------------------------------------------------
# Prior
# --------------------------------------------------------------------------
def _edge_list_prior(table, genes):
    path, names = table.path, table.names
    table.check_header()
    lower = [name.lower() for name in names]
    regulator = next(names[lower.index(key)] for key in _REGULATOR_COLUMNS if key in lower)
    target = names[lower.index("target")]
    weights = [names[i] for i, name in enumerate(lower) if name in _WEIGHT_COLUMNS]
    if len(weights) > 1:
        raise ValueError(
            f"The prior edge list '{path}' has both {weights[0]!r} and {weights[1]!r} columns; keep one."
        )
    body = table.read(text_columns=[regulator, target] + weights)
    for column in (regulator, target):
        missing = _missing(body[column]).to_numpy()
        if missing.any():
            raise ValueError(
                f"The {column!r} column of the prior edge list '{path}' has a missing value (data row "
                f"{int(np.flatnonzero(missing)[0]) + 1})."
            )
    edges = pd.DataFrame({"regulator": body[regulator], "target": body[target]})
    if weights:
        edges["weight"] = _to_numbers(body[weights[0]], f"The {weights[0]!r} column of the prior edge list "
                                      f"'{path}'", words=_SIGN_WORDS)
    return to_matrix(edges, genes, what=f"the prior edge list '{path}'", source="the expression data")


def _matrix_prior(table, genes):
    path, names = table.path, table.names
    table.check_header(allow_first_blank=True)
    targets = names[1:]
    if not targets:
        raise ValueError(
            f"The prior file '{path}' has a single column. Give either a matrix (regulator names as "
            "the first column, target names as the header) or an edge list with columns regulator, "
            "target and optionally sign or weight."
        )
    body = table.read(text_columns=[names[0]])
    regulators = body.iloc[:, 0]
    missing = _missing(regulators).to_numpy()
    if missing.any():
        raise ValueError(
            f"The prior matrix '{path}' has a row without a regulator name (data row "
            f"{int(np.flatnonzero(missing)[0]) + 1}); the first column must name the regulator of each row."
        )
    values = np.zeros((len(regulators), len(targets)))
    for j, target in enumerate(targets):
        values[:, j] = _to_numbers(body.iloc[:, j + 1], f"The column of target {target!r} in the prior matrix '{path}'")
    # a matrix of transcription factors x some targets leaves genes out: they have no prior edge
    return to_matrix(pd.DataFrame(values, index=regulators.tolist(), columns=targets), genes,
                     what=f"the prior matrix '{path}'", source="the expression data", fill_missing=True)


def read_prior(path, gene_names):
    """Read a prior network from a file, aligned to the genes of the expression data.

    Two layouts are recognised from the header:

    - an **edge list**, when the header has a ``regulator`` (or ``TF``) and a
      ``target`` column (any case), optionally with one ``sign`` or ``weight``
      column (numbers, or ``+``/``-``; without one every listed edge gets 1);
    - otherwise a **matrix**: the first column holds the regulator names, the
      header the target names (its first cell is ignored), rows = regulators,
      columns = targets.  It may cover only some genes (e.g. transcription
      factors x all genes); genes it leaves out have no prior edge.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV or TSV file (see :func:`read_expression` for extensions).
    gene_names : sequence of str
        The genes of the expression data, e.g. ``X.columns``; they give the
        order of the rows and columns of the result.

    Returns
    -------
    prior : DataFrame of shape (n_genes, n_genes)
        Signed prior (float), index and columns ``gene_names``; 0 = no prior edge.
        Ready for ``DASHRegulatoryEstimator(prior=...)``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is empty or unparsable, names genes that are not in
        ``gene_names`` (the message lists them), a regulator or target twice
        (matrix) or an edge twice (edge list), or has missing or non-numeric
        values (the message names the column and the row).

    See Also
    --------
    read_expression : Read the expression table the prior refers to.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skdash.io import read_prior
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "prior.tsv"
    >>> _ = path.write_text("regulator\\ttarget\\tsign\\nG1\\tG2\\t+\\nG3\\tG1\\t-\\n")
    >>> read_prior(path, ["G1", "G2", "G3"])
         G1   G2   G3
    G1  0.0  1.0  0.0
    G2  0.0  0.0  0.0
    G3 -1.0  0.0  0.0
    """
    genes = check_gene_names(gene_names)
    table = _Table(path, "prior")
    lower = [name.lower() for name in table.names]
    if "target" in lower and any(key in lower for key in _REGULATOR_COLUMNS):
        matrix = _edge_list_prior(table, genes)
    else:
        matrix = _matrix_prior(table, genes)
    return pd.DataFrame(matrix, index=pd.Index(genes), columns=pd.Index(genes))


# --------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------
def write_network(edges, path, *, extra_columns=()):
    """Write a network edge list (regulator, target, weight) to a file.

    Parameters
    ----------
    edges : DataFrame
        Edge list with columns ``regulator``, ``target`` and ``weight``, such as
        ``DASHRegulatoryEstimator.get_network()``; other columns are dropped
        unless named in ``extra_columns``.
    path : str or pathlib.Path
        Destination.  Tab-separated unless the name ends in ``.csv``; ``"-"``
        writes to standard output.  The folder must exist.
    extra_columns : sequence of str, default=()
        Further columns of ``edges`` to write after the weight, e.g.
        ``("confidence",)`` for ``StabilitySelection.get_network()``.

    Returns
    -------
    n_edges : int
        Number of edges written.

    Examples
    --------
    >>> import pandas as pd
    >>> from skdash.io import write_network
    >>> edges = pd.DataFrame({"regulator": ["G1"], "target": ["G2"], "weight": [0.5]})
    >>> write_network(edges, "-")  # doctest: +NORMALIZE_WHITESPACE
    regulator  target  weight
    G1  G2  0.5
    1
    """
    if not isinstance(edges, pd.DataFrame):
        raise TypeError(f"edges must be a DataFrame with columns regulator, target, weight; "
                        f"got {type(edges).__name__}.")
    missing = [column for column in ("regulator", "target", "weight") if column not in edges.columns]
    if missing:
        raise ValueError(f"edges lacks the column(s) {missing}; its columns are {list(edges.columns)}.")
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a string or pathlib.Path; got {type(path).__name__}.")
    extra_columns = list(extra_columns)
    missing = [column for column in extra_columns if column not in edges.columns]
    if missing:
        raise ValueError(f"edges lacks the extra column(s) {missing}; its columns are {list(edges.columns)}.")
    table = edges[["regulator", "target", "weight", *extra_columns]]
    if str(path) == "-":
        buffer = io.StringIO()
        table.to_csv(buffer, sep="\t", index=False)
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        return len(table)
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"Cannot write '{path}': the folder '{path.parent}' does not exist.")
    if path.is_dir():
        raise ValueError(f"Cannot write the network to '{path}': it is a directory.")
    table.to_csv(path, sep="," if path.suffix.lower() == ".csv" else "\t", index=False)
    return len(table)
