"""``relucheck-api``: autodoc of every name in ``relucheck.__all__``, in that order.

The API reference lists what the package exports at build time, so it follows ``__all__``
without being edited: functions with ``autofunction``, classes (and their public methods and
attributes) with ``autoclass``, exceptions with ``autoexception``, and constants with their
value and the ``#:`` comment where they are defined. A name that cannot be imported fails the
build. The directive writes reStructuredText, so a Markdown page calls it inside ``eval-rst``::

    ```{eval-rst}
    .. relucheck-api:: relucheck
    ```
"""

from __future__ import annotations

import importlib
import inspect
import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective


def _constant_doc(package: str, name: str) -> list[str]:
    """The ``#:`` comment of ``name`` in the first loaded module of the package defining it."""
    for modname, module in sorted(sys.modules.items()):
        if not (modname == package or modname.startswith(package + ".")) or module is None:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:  # a module without source (compiled, generated)
            continue
        if ("", name) in docs:
            return list(docs[("", name)])
    return []


def api_rst(package: str) -> list[str]:
    module = importlib.import_module(package)
    lines: list[str] = []
    for name in module.__all__:
        if name.startswith("__"):  # __version__
            continue
        obj = getattr(module, name)
        target = f"{package}.{name}"
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            lines += [f".. autoexception:: {target}", "   :members:", ""]
        elif inspect.isclass(obj):
            lines += [f".. autoclass:: {target}", "   :members:", ""]
        elif callable(obj):
            lines += [f".. autofunction:: {target}", ""]
        else:
            lines += [f".. py:data:: {target}", f"   :value: {obj!r}", ""]
            lines += [f"   {line}" for line in _constant_doc(package, name)] + [""]
    return lines


class PublicApi(SphinxDirective):
    required_arguments = 1

    def run(self):
        package = self.arguments[0]
        try:
            rst = api_rst(package)
        except (ImportError, AttributeError) as err:
            raise self.error(f"cannot document {package}.__all__: {err}") from None
        container = nodes.container()
        self.state.nested_parse(StringList(rst, source=f"<{package}.__all__>"),
                                self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("relucheck-api", PublicApi)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
