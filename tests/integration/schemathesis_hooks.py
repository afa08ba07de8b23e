"""Schemathesis hooks for tests/integration/openapi.rs (loaded through SCHEMATHESIS_HOOKS).

The one rule of xcc's API that OpenAPI 3.0 cannot express is across two parameters: with both
`from` and `to`, from must be on or before to (the document says so in the parameters'
descriptions; the server answers 400 otherwise). Schemathesis generates each parameter on its
own, so half of its schema-valid pairs would break the rule. This hook swaps such a pair: the
request stays schema-valid and follows the rule, and every other request is left as it is.
"""

import re

import schemathesis

DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@schemathesis.hook
def map_query(context, query):
    if not isinstance(query, dict):
        return query
    start, end = query.get("from"), query.get("to")
    if (
        isinstance(start, str)
        and isinstance(end, str)
        and DATE.match(start)
        and DATE.match(end)
        and start > end
    ):
        query = dict(query, **{"from": end, "to": start})
    return query
