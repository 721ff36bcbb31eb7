"""96 commands that deep-learning and algorithm notes reach for, each in a small formula.

`python tests/math_probe.py` prints those that do not convert; `test_math_commands.py`
pins that list to the one in the README. Each is converted as a post would convert it:
alone, or (for labels and tags) in a numbered environment with the rest of its post.
"""

from __future__ import annotations

import sys

# (what it is, TeX, display)
PROBE: tuple[tuple[str, str, bool], ...] = (
    # letters and symbols
    ("\\alpha", "\\alpha", False), ("\\beta", "\\beta", False), ("\\gamma", "\\gamma", False),
    ("\\epsilon", "\\epsilon", False), ("\\varepsilon", "\\varepsilon", False),
    ("\\theta", "\\theta", False), ("\\lambda", "\\lambda", False), ("\\sigma", "\\sigma", False),
    ("\\phi", "\\phi", False), ("\\Omega", "\\Omega", False), ("\\nabla", "\\nabla_\\theta", False),
    ("\\partial", "\\partial x", False), ("\\infty", "\\infty", False), ("\\ell", "\\ell", False),
    # fonts
    ("\\mathbb", "\\mathbb{R}^{d}", False), ("\\mathbf", "\\mathbf{x}", False),
    ("\\mathcal", "\\mathcal{L}", False), ("\\mathrm", "\\mathrm{d}x", False),
    ("\\boldsymbol", "\\boldsymbol{\\theta}", False), ("\\bm", "\\bm{x}", False),
    ("\\mathds", "\\mathds{1}[y = k]", False), ("\\mathscr", "\\mathscr{F}", False),
    ("\\mathsf", "\\mathsf{T}", False),
    ("\\mathfrak", "\\mathfrak{g}", False), ("\\text", "\\text{if } x > 0", False),
    ("\\operatorname", "\\operatorname{softmax}(z)", False),
    ("\\operatorname*", "\\operatorname*{argmax}_x f(x)", True),
    # operators
    ("\\sum", "\\sum_{i=1}^{n} x_i", True), ("\\prod", "\\prod_{i} p_i", True),
    ("\\int", "\\int_0^1 f(x)\\,dx", True),
    ("\\lim", "\\lim_{n \\to \\infty} a_n", True), ("\\max", "\\max_i x_i", False),
    ("\\arg\\max", "\\arg\\max_x f(x)", False), ("\\log", "\\log p", False),
    ("\\exp", "\\exp(x)", False), ("\\sup", "\\sup_x f", False), ("\\det", "\\det A", False),
    ("\\mathbb{E}", "\\mathbb{E}_{x \\sim p}[f(x)]", False),
    # relations and arrows
    ("\\le", "a \\le b", False), ("\\approx", "a \\approx b", False),
    ("\\propto", "p \\propto q", False), ("\\equiv", "a \\equiv b", False),
    ("\\in", "x \\in S", False), ("\\subseteq", "A \\subseteq B", False),
    ("\\to", "f: X \\to Y", False), ("\\mapsto", "x \\mapsto 2x", False),
    ("\\Rightarrow", "A \\Rightarrow B", False), ("\\iff", "A \\iff B", False),
    ("\\triangleq", "a \\triangleq b", False), ("\\coloneqq", "a \\coloneqq b", False),
    ("\\xrightarrow", "A \\xrightarrow{f} B", False),
    # binary operators
    ("\\cdot", "a \\cdot b", False), ("\\times", "a \\times b", False),
    ("\\odot", "a \\odot b", False), ("\\otimes", "a \\otimes b", False),
    ("\\oplus", "a \\oplus b", False), ("\\top", "W^\\top x", False),
    # structures
    ("\\frac", "\\frac{a}{b}", False), ("\\dfrac", "\\dfrac{a}{b}", False),
    ("\\tfrac", "\\tfrac{1}{2}", False), ("\\sqrt", "\\sqrt{d_k}", False),
    ("\\sqrt[n]", "\\sqrt[3]{x}", False), ("\\binom", "\\binom{n}{k}", False),
    ("\\left\\right", "\\left( \\frac{a}{b} \\right)", False),
    ("\\big", "\\big( x \\big)", False), ("\\lVert", "\\lVert x \\rVert_2", False),
    ("\\langle", "\\langle q, k \\rangle", False), ("\\lceil", "\\lceil x \\rceil", False),
    ("\\overline", "\\overline{x}", False), ("\\hat", "\\hat{y}", False),
    ("\\widehat", "\\widehat{xy}", False), ("\\tilde", "\\tilde{x}", False),
    ("\\widetilde", "\\widetilde{W}", False), ("\\bar", "\\bar{x}", False),
    ("\\vec", "\\vec{v}", False), ("\\dot", "\\dot{x}", False),
    ("\\underbrace", "\\underbrace{a + b}_{n}", True),
    ("\\overset", "\\overset{!}{=}", False), ("\\stackrel", "\\stackrel{?}{=}", False),
    ("\\boxed", "\\boxed{x = 1}", False), ("\\cancel", "\\cancel{x}", False),
    ("\\color", "{\\color{red} x}", False), ("\\substack", "\\sum_{\\substack{i<j\\\\k}} x", True),
    ("\\cdots", "a_1 + \\cdots + a_n", False),
    # environments
    ("pmatrix", "\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}", True),
    ("bmatrix", "\\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix}", True),
    ("cases", "f(x) = \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{else} \\end{cases}", True),
    ("aligned", "\\begin{aligned} a &= b \\\\ &= c \\end{aligned}", True),
    ("split", "\\begin{equation} \\begin{split} a &= b \\\\ &= c \\end{split} \\end{equation}",
     True),
    ("array", "\\begin{array}{cc} a & b \\\\ \\hline c & d \\end{array}", True),
    ("equation + \\label", "\\begin{equation} E = mc^2 \\label{eq:e} \\end{equation}", True),
    ("\\tag", "\\begin{equation} x \\tag{A} \\end{equation}", True),
    ("\\tag outside an environment", "x = 1 \\tag{1}", True),
    ("\\label outside an environment", "x = 1 \\label{eq:x}", True),
    ("\\ce (mhchem)", "\\ce{H2O}", False),
    ("\\newcommand", "\\newcommand{\\vv}{\\mathbf{v}} \\vv + \\vv", False),
)  # fmt: skip


def failing() -> list[str]:
    """The names of the probe's commands that do not convert, each in its own post."""
    from blogsite.markup import make_markdown, render_markdown
    from blogsite.model import MarkupSettings

    settings = MarkupSettings()
    md = make_markdown(settings)
    failed = []
    for name, tex, display in PROBE:
        body = f"$$\n{tex}\n$$\n" if display else f"正文 ${tex}$ 正文。\n"
        rendered = render_markdown(md, body, path="probe.md", first_line=1, settings=settings)
        if any("math error" in d.message for d in rendered.diagnostics):
            failed.append(name)
    return failed


if __name__ == "__main__":
    sys.path.insert(0, "src")
    bad = failing()
    print(f"{len(PROBE) - len(bad)} of {len(PROBE)} convert; failing: {', '.join(bad)}")
