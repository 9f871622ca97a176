"""The house shows its rooms: no import cycle anywhere in ecsedu (TYPE_CHECKING imports and
imports inside functions included), and the composition root is imported from the top only."""

from __future__ import annotations

import grimp


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("ecsedu", exclude_type_checking_imports=False)


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == module:
                continue
            if graph.chain_exists(importer=imported, imported=module):
                chain = graph.find_shortest_chain(importer=imported, imported=module) or ()
                cycles.append(f"{module} -> {' -> '.join(chain)}")
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_only_the_top_level_imports_the_composition_root() -> None:
    graph = _graph()
    importers = {
        m
        for m in graph.find_modules_that_directly_import("ecsedu.app")
        | {
            importer
            for module in graph.find_children("ecsedu.app")
            for importer in graph.find_modules_that_directly_import(module)
        }
        if not m.startswith("ecsedu.app")
    }
    assert importers <= {"ecsedu", "ecsedu.__main__"}, importers


def test_the_render_cli_no_longer_reaches_the_engine_through_importlib() -> None:
    import inspect

    from ecsedu.app.cli import diagrams

    assert "importlib" not in inspect.getsource(diagrams)
