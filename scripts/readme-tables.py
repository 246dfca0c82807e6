"""Put the tables of results/ into README.md between its `<!-- begin FILE -->` and
`<!-- end FILE -->` markers, so the README always shows the numbers of the last real run."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
readme = root / "README.md"
text = readme.read_text()


def fill(match):
    name = match.group(1)
    body = (root / name).read_text().rstrip("\n")
    return f"<!-- begin {name} -->\n{body}\n<!-- end {name} -->"


# The body may be empty (a file that was empty once): it must still be found and filled.
new = re.sub(r"<!-- begin (\S+) -->\n(?:.*?\n)?<!-- end \1 -->", fill, text, flags=re.S)
readme.write_text(new)
sys.exit(0)
