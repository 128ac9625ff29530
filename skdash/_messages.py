"""Formatting shared by error messages across the package."""


def shown_names(names, limit=10):
    """A bounded, readable list of names, e.g. "['a', 'b', ... (12 in total)]"."""
    names = list(names)
    text = ", ".join(repr(name) for name in names[:limit])
    if len(names) > limit:
        text += f", ... ({len(names)} in total)"
    return "[" + text + "]"
