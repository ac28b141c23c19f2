"""Ships each rule's examples (snippets/rules/<ID>/*.yml) inside the wheel, as
ghcr_check/rule_examples, for `ghcr-check --explain`. Everything else is in pyproject.toml."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithExamples(build_py):
    def run(self):
        super().run()
        source = Path(__file__).parent / "snippets" / "rules"
        target = Path(self.build_lib) / "ghcr_check" / "rule_examples"
        for example in sorted(source.glob("*/*.yml")):
            destination = target / example.parent.name / example.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(example, destination)


setup(cmdclass={"build_py": BuildWithExamples})
