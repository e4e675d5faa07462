//! Reading and rewriting stored secrets by column, for upgrading the ones written before
//! they were bound to their rows (see `secrets_at_rest`). Table and column names come from
//! the code, never from input.

use super::{on_backend, Store, StoreError};

/// Where a kind of secret is stored: the table, the column naming its row, its own column.
#[derive(Debug, Clone, Copy)]
pub struct SecretColumn {
    pub table: &'static str,
    pub key_column: &'static str,
    pub value_column: &'static str,
}

impl Store {
    /// The values of `column` that do not start with `prefix` (and are not NULL), with the
    /// key of their row.
    pub async fn secrets_without_prefix(
        &self,
        column: SecretColumn,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let SecretColumn {
            table,
            key_column,
            value_column,
        } = column;
        let sql = format!(
            "SELECT {key_column}, {value_column} FROM {table}
             WHERE {value_column} IS NOT NULL AND substr({value_column}, 1, length($1)) <> $1"
        );
        Ok(on_backend!(self, pool => {
            sqlx::query_as(&sql).bind(prefix).fetch_all(pool).await?
        }))
    }

    /// Replaces the value of `key`'s row if it still is `old` (another instance upgrading at
    /// the same moment is harmless); whether it did.
    pub async fn replace_secret(
        &self,
        column: SecretColumn,
        key: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let SecretColumn {
            table,
            key_column,
            value_column,
        } = column;
        let sql = format!(
            "UPDATE {table} SET {value_column} = $1 WHERE {key_column} = $2 AND {value_column} = $3"
        );
        Ok(on_backend!(self, pool => {
            sqlx::query(&sql)
                .bind(new)
                .bind(key)
                .bind(old)
                .execute(pool)
                .await?
                .rows_affected()
                == 1
        }))
    }
}
