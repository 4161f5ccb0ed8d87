"""Exact canonical forms of simple polynomial answers (``5x+5``, ``5(x+1)``, ``(x+1)^{2}``), read
by a small parser of its own: grading decides them in-process instead of sending them to
math-verify, which spends milliseconds per answer on sympy for what is integer arithmetic.

The accepted language is deliberately narrow, so that equal canonical forms mean exactly what
math-verify would conclude: integers; single lower-case letters as variables (not ``e`` or ``i``,
which LaTeX readers may take for constants; math-verify equates ``X`` with ``x``); ``+``, ``-``,
``*``, ``\\cdot`` and ``(...)``; implicit products before a letter or a bracket (not a letter's
bracket: ``f(x)`` may be a function); ``^`` with a small integer exponent, braced or not. Anything
else (fractions, decimals, functions, ``=``, braces as brackets, a number right after a letter) is
not read, and the answer goes the usual way. A lone variable and brackets around a plain number
are not read either: math-verify does not equate ``x`` with ``2x-x`` and reads ``2(3)`` as the
mixed number 5. Sizes are bounded (text, exponent, terms), so no input costs more than
microseconds.
"""

from __future__ import annotations

import re

MAX_CHARS = 100
MAX_EXPONENT = 12
MAX_TERMS = 200

Monomial = tuple[tuple[str, int], ...]  # sorted (variable, power) pairs; () is the constant term
Polynomial = dict[Monomial, int]  # monomial -> non-zero integer coefficient

_TOKEN = re.compile(r"\d+|[a-df-hj-z]|\\cdot|[-+*^(){}]")


class _NotRead(Exception):
    """The text is outside the accepted language (or its size bounds)."""


def _add(p: Polynomial, q: Polynomial, sign: int = 1) -> Polynomial:
    total = dict(p)
    for monomial, coefficient in q.items():
        total[monomial] = total.get(monomial, 0) + sign * coefficient
    return {m: c for m, c in total.items() if c}


def _multiply(p: Polynomial, q: Polynomial) -> Polynomial:
    product: Polynomial = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            powers = dict(m1)
            for variable, power in m2:
                powers[variable] = powers.get(variable, 0) + power
            monomial = tuple(sorted(powers.items()))
            product[monomial] = product.get(monomial, 0) + c1 * c2
    product = {m: c for m, c in product.items() if c}
    if len(product) > MAX_TERMS:
        raise _NotRead
    return product


class _Parser:
    """Recursive descent over the tokens: sum := [sign] product {sign product};
    product := power {[* | \\cdot] power}; power := atom [^ exponent]; atom := integer | letter |
    ( sum )."""

    def __init__(self, tokens: list[str]):
        self.tokens, self.at = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise _NotRead
        self.at += 1
        return token

    def sum(self) -> Polynomial:
        sign = -1 if self.peek() == "-" else 1
        if self.peek() in ("+", "-"):
            self.take()
        total = _multiply({(): sign}, self.product())
        while self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
            total = _add(total, self.product(), sign)
        return total

    def product(self) -> Polynomial:
        result = self.power()
        while True:
            token = self.peek()
            if token in ("*", "\\cdot"):
                self.take()
            elif token is None or not (token.isalpha() or token == "("):
                return result  # implicit products only before a letter or a bracket
            elif token == "(" and self.tokens[self.at - 1].isalpha():
                raise _NotRead  # f(x): a product or a function?
            result = _multiply(result, self.power())

    def power(self) -> Polynomial:
        base = self.atom()
        if self.peek() != "^":
            return base
        self.take()
        token = self.take()
        exponent = self.take() if token == "{" else token
        if token == "{" and self.take() != "}":
            raise _NotRead
        if not exponent.isdigit() or int(exponent) > MAX_EXPONENT:
            raise _NotRead
        result: Polynomial = {(): 1}
        for _ in range(int(exponent)):
            result = _multiply(result, base)
        return result

    def atom(self) -> Polynomial:
        token = self.take()
        if token.isdigit():
            return {(): int(token)} if int(token) else {}
        if token.isalpha():
            return {((token, 1),): 1}
        if token == "(":
            inner = self.sum()
            if self.take() != ")" or all(monomial == () for monomial in inner):
                raise _NotRead  # math-verify reads 2(3) as the mixed number 5
            return inner
        raise _NotRead


def polynomial(text: str) -> Polynomial | None:
    """The canonical form of a polynomial answer with at least one variable, else None (not read).
    Two answers read here are equal exactly when their canonical forms are."""
    text = text.replace(" ", "").replace("\\left", "").replace("\\right", "")
    if not text or len(text) > MAX_CHARS:
        return None
    tokens = _TOKEN.findall(text)
    if "".join(tokens) != text or not any(token.isalpha() for token in tokens):
        return None  # a character outside the language, or no variable (plain numbers are read elsewhere)
    parser = _Parser(tokens)
    try:
        result = parser.sum()
    except (_NotRead, ValueError):  # ValueError: more digits than Python converts
        return None
    if parser.peek() is not None or _is_one_variable(result):
        return None
    return result


def _is_one_variable(form: Polynomial) -> bool:
    """``x`` alone: math-verify does not equate it with an expression that only simplifies to it
    (``2x-x``), so such pairs are left to math-verify."""
    if len(form) != 1:
        return False
    ((monomial, coefficient),) = form.items()
    return coefficient == 1 and len(monomial) == 1 and monomial[0][1] == 1
