"""The error catalogue: every error the project raises says what went wrong and where."""


class ReformFactsError(Exception):
    """Base of the project's errors; the CLI prints their message on one line."""


class ClaimError(ReformFactsError, ValueError):
    """A claim breaks the contract (span, unit, vocabulary)."""


class RuleFileError(ReformFactsError):
    """A file of rules/ is malformed; the message names the file and the rule id."""


class DocumentError(ReformFactsError):
    """A file could not be read as a document; the message names the file and the reason."""


class GoldError(ReformFactsError):
    """A gold file breaks the guideline's checks; the message names the file and the line."""


class ModelMissingError(ReformFactsError):
    """A model the setup obtains is not where the code looks for it."""


class SpacyConfigError(ReformFactsError, ValueError):
    """The spaCy pipeline's config (configs/spacy_indicator.cfg) names a setting the code does
    not know; the message names the setting and the values it may take."""


class UnknownExtractorError(ReformFactsError, KeyError):
    """An extractor name not in the registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class WarehouseError(ReformFactsError):
    """The warehouse cannot do what was asked: no database yet, a migration edited after it was
    applied, a load that breaks the contract, a query DuckDB refuses; the message names the file.
    The CLI exits with `exit_code` (docs/cli.md, "Warehouse errors")."""

    exit_code = 2


class WarehouseCorruptError(WarehouseError):
    """The file given as the warehouse is not a DuckDB database (a SQLite file, an empty file) or
    is damaged (a checksum mismatch, truncated); the message names the file and what is wrong."""

    exit_code = 3


class WarehouseBusyError(WarehouseError):
    """The DuckDB file stayed locked by another process for longer than the wait allowed."""

    exit_code = 4


class WarehouseFullError(WarehouseError):
    """No room to write: the disk (or the file-size limit) is full. The transaction was rolled
    back; the next load succeeds once there is space again."""

    exit_code = 5


class WarehouseAccessError(WarehouseError):
    """The warehouse file or an output folder cannot be written or read: permission denied, a
    read-only folder or file system; the message names the path."""

    exit_code = 6


class QueryRefusedError(WarehouseError):
    """A `query` that reaches outside the warehouse or would change it (COPY, EXPORT, ATTACH,
    file and network reads, extensions, settings, more than one statement) is refused."""

    exit_code = 7


class TemporaryFolderError(ReformFactsError):
    """The temporary folder (TMPDIR, else /tmp) cannot take a run's temporary files (its staging
    file, Prefect's temporary server's): no room (exit 5) or not writable (exit 6); the message
    names the folder. The CLI exits with `exit_code` (docs/cli.md, "Faults")."""

    def __init__(self, message: str, *, exit_code: int = 5) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class PrefectServerError(ReformFactsError):
    """Prefect's temporary server (its ephemeral mode, without PREFECT_API_URL) did not start;
    the message says what Prefect reported."""

    exit_code = 2


class BenchmarkUnavailableError(ReformFactsError):
    """A part the benchmarks measure is not there (not built yet, not installed); the message
    names the part and why, and the harness reports it as "not available"."""
