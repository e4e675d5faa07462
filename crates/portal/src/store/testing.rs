//! For tests: which database a test runs on. `cargo xtask test` runs the portal's and the
//! client's tests twice: on SQLite, and with `SWITCHBOARD_TEST_POSTGRES` naming the admin
//! database of a throwaway PostgreSQL cluster, on which each test gets a new database.

use std::path::Path;

use sqlx::{Connection, PgConnection};

use super::StoreError;

/// The environment variable naming a PostgreSQL admin URL for tests.
pub const TEST_POSTGRES_ENV: &str = "SWITCHBOARD_TEST_POSTGRES";

/// A new, empty database for one test: on the PostgreSQL cluster named by
/// `SWITCHBOARD_TEST_POSTGRES` when it is set, else a SQLite file in `dir`.
pub fn test_database_url(dir: &Path) -> Result<String, StoreError> {
    let Ok(admin_url) = std::env::var(TEST_POSTGRES_ENV) else {
        return Ok(format!(
            "sqlite://{}?mode=rwc",
            dir.join("portal.db").display()
        ));
    };
    // Callers may be inside a runtime already: create the database on a thread of its own.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| StoreError::Encode(error.to_string()))?
            .block_on(create_postgres_database(&admin_url))
    })
    .join()
    .map_err(|_| StoreError::Encode("creating the test database panicked".into()))?
}

async fn create_postgres_database(admin_url: &str) -> Result<String, StoreError> {
    let name = format!("test_{:016x}", rand::random::<u64>());
    let mut admin = PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let mut url = url::Url::parse(admin_url).map_err(StoreError::encode)?;
    url.set_path(&name);
    Ok(url.to_string())
}
