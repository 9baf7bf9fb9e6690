/// Fields a record should carry besides the required ones, for some classes of it (CMDB Health's
/// completeness: "required and recommended fields that are not populated").
package struct RecommendedFields: Sendable, Hashable {
    /// The classes (`sys_class_name` values) they apply to; nil: every class.
    package var classes: [String]?
    package var fields: [String]

    package init(_ fields: [String], classes: [String]? = nil) {
        self.fields = fields
        self.classes = classes
    }
}
