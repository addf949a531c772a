extension JSONObject {
    /// This schema with each schema it holds replaced by `transform`'s answer: each
    /// property, `items`, `additionalProperties`, and the members of `anyOf`, `oneOf`
    /// and `allOf`. Everything else (keywords, enum values, examples) is kept as is.
    func mappingSubschemas(_ transform: (JSONObject) -> JSONObject) -> JSONObject {
        var out = self
        if case .object(let properties)? = self["properties"] {
            var mapped = JSONObject()
            mapped.reserveCapacity(properties.count)
            for (name, value) in properties {
                if case .object(let sub) = value { mapped[name] = .object(transform(sub)) } else { mapped[name] = value }
            }
            out["properties"] = .object(mapped)
        }
        for key in ["items", "additionalProperties"] {
            if case .object(let sub)? = self[key] { out[key] = .object(transform(sub)) }
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if case .array(let members)? = self[key] {
                out[key] = .array(members.map { member in
                    if case .object(let sub) = member { return .object(transform(sub)) }
                    return member
                })
            }
        }
        return out
    }
}
