"""The OpenAPI document as a page to read: each operation with its parameters and responses, then
the schemas, rendered server-side by ``templates/api/docs.html`` (no script, no CDN)."""


def type_text(schema: dict) -> str:
    """A short reading of a schema: ``string (date-time)``, ``array of PeriodSummary``, ``integer or null``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "oneOf" in schema:
        return " or ".join(type_text(option) for option in schema["oneOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " or ".join(type_text({**schema, "type": option}) for option in kind)
    if kind == "array":
        return f"array of {type_text(schema['items'])}"
    if "enum" in schema:
        return f"{kind}: {' | '.join(schema['enum'])}"
    if "format" in schema and kind != "null":
        return f"{kind} ({schema['format']})"
    return kind


def fields(schema: dict, prefix: str = "") -> list[dict]:
    """Each property of an object schema as a row; inline objects and arrays of them are opened up."""
    rows = []
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        inline = prop.get("items", {}) if prop.get("type") == "array" else prop
        rows.append({"name": path, "type": "object" if "properties" in prop else type_text(prop),
                     "description": prop.get("description", "")})
        if "properties" in inline:
            rows.extend(fields(inline, f"{path}[]." if inline is not prop else f"{path}."))
    return rows


def doc_page(document: dict) -> dict:
    """What the documentation page lists: each operation with its parameters and responses, then the schemas."""
    operations = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            operations.append({
                "id": op["operationId"], "method": method.upper(), "path": path, "summary": op["summary"],
                "parameters": [{"name": p["name"], "in": p["in"], "type": type_text(p["schema"]),
                                "required": p["required"], "description": p.get("description", "")}
                               for p in op["parameters"]],
                "responses": [{"status": status, "description": response["description"],
                               "content": [(media, type_text(body["schema"]))
                                           for media, body in response.get("content", {}).items()]}
                              for status, response in op["responses"].items()],
            })
    schemas = [{"name": name, "description": schema.get("description", ""), "fields": fields(schema)}
               for name, schema in document["components"]["schemas"].items()]
    return {"operations": operations, "schemas": schemas}
