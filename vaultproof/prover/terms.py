"""Walks over Z3 terms, for the solver boundary, the ghost sums and model authors alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import z3


def subterms(roots: Iterable[z3.ExprRef], *, into_quantifiers: bool = False) -> Iterator[z3.ExprRef]:
    """Every sub-term of ``roots``, once each, in pre-order: a term before its children, children left to
    right, the roots in order. Z3 shares sub-terms, so this walks a DAG (a let-shared execution term is
    exponential as a tree). ``into_quantifiers`` also walks a quantifier's body; its bound variables are
    not applications and are not yielded."""
    seen: set[int] = set()
    todo = list(roots)[::-1]
    while todo:
        term = todo.pop()
        if term.get_id() in seen:
            continue
        seen.add(term.get_id())
        yield term
        if z3.is_quantifier(term):
            if into_quantifiers:
                todo.append(term.body())
        elif z3.is_app(term):
            todo.extend(reversed(term.children()))


def uninterpreted(roots: Iterable[z3.ExprRef]) -> Iterator[z3.ExprRef]:
    """Every application of an uninterpreted constant or function below ``roots`` (quantifier bodies
    included), once each, in :func:`subterms` order: the free symbols a query declares."""
    for term in subterms(roots, into_quantifiers=True):
        if z3.is_app(term) and term.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            yield term
