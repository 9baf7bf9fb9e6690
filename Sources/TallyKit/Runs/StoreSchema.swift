/// The store's schema, as versioned migrations. Add a migration; never edit a released one.
public enum StoreSchema {
    public static let migrator = Migrator([
        Migration(version: 1, summary: "settings", sql: """
            CREATE TABLE settings (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) STRICT;
            """),
    ])
}
