class IdConverter:
    """A row id in a URL: a positive integer that fits the database's bigint (else the URL matches nothing)."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)
