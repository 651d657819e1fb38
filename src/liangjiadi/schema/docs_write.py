"""`python -m liangjiadi.schema.docs_write` regenerates docs/input-contract.md."""

from pathlib import Path

from .docs import render_contract_markdown

if __name__ == "__main__":
    target = Path("docs/input-contract.md")
    target.write_text(render_contract_markdown(), encoding="utf-8")
    print(f"已写入 {target}")
