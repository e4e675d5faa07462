//! Reading the CSV: the header, then every row checked, a bad one named by its row and
//! column.

use std::collections::HashMap;

use super::{Row, COLUMNS, REQUIRED};
use crate::admin::validate::{
    valid_email, valid_extension, valid_sip_uri, valid_text, valid_transport, valid_username,
};
use crate::admin::{Admin, AdminError};

impl Admin {
    pub(super) fn parse_rows(
        &self,
        path: &str,
        text: &str,
        allow_shared: bool,
    ) -> Result<Vec<Row>, AdminError> {
        let csv_error = |row: usize, column: &str, problem: String| AdminError::Csv {
            path: path.to_owned(),
            row,
            column: column.to_owned(),
            problem,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|error| csv_error(1, "-", error.to_string()))?
            .iter()
            .map(|header| header.to_ascii_lowercase())
            .collect();
        for header in &headers {
            if !COLUMNS.contains(&header.as_str()) {
                return Err(csv_error(
                    1,
                    header,
                    format!("unknown column; the columns are {}", COLUMNS.join(", ")),
                ));
            }
        }
        for required in REQUIRED {
            if !headers.iter().any(|header| header == required) {
                return Err(csv_error(1, required, "this column is required".into()));
            }
        }
        let mut rows = Vec::new();
        let mut usernames: HashMap<String, usize> = HashMap::new();
        let mut login_emails: HashMap<String, usize> = HashMap::new();
        for (index, record) in reader.records().enumerate() {
            let line = index + 2;
            let record = record.map_err(|error| csv_error(line, "-", error.to_string()))?;
            let get = |column: &str| -> Option<&str> {
                headers
                    .iter()
                    .position(|header| header == column)
                    .and_then(|at| record.get(at))
                    .filter(|value| !value.is_empty())
            };
            let at = |column: &'static str| {
                move |error: AdminError| csv_error(line, column, error.to_string())
            };
            let required = |column: &'static str| {
                get(column).ok_or_else(|| csv_error(line, column, "is empty".into()))
            };
            let list = |column: &'static str| -> Result<Vec<String>, AdminError> {
                get(column)
                    .unwrap_or_default()
                    .split(';')
                    .map(str::trim)
                    .filter(|email| !email.is_empty())
                    .map(|email| valid_email(column, email).map_err(at(column)))
                    .collect()
            };
            let optional_uri = |column: &'static str| {
                get(column)
                    .map(|uri| valid_sip_uri(column, uri).map_err(at(column)))
                    .transpose()
            };
            let username = valid_username(required("username")?).map_err(at("username"))?;
            if let Some(first) = usernames.insert(username.clone(), line) {
                return Err(csv_error(
                    line,
                    "username",
                    format!("{username} is on row {first} already"),
                ));
            }
            let login = list("login_emails")?;
            let notification = list("notification_emails")?;
            for email in &login {
                if notification.contains(email) {
                    return Err(csv_error(
                        line,
                        "notification_emails",
                        format!("{email} is a login email of this row too"),
                    ));
                }
                if let Some(first) = login_emails.insert(email.clone(), line) {
                    if !allow_shared && first != line {
                        return Err(csv_error(
                            line,
                            "login_emails",
                            format!("{email} is a login email on row {first} too; pass --allow-shared-emails if it is a shared address on purpose"),
                        ));
                    }
                }
            }
            let identities = get("identities")
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .filter(|pair| !pair.is_empty())
                .map(|pair| match pair.split_once(':') {
                    Some((provider, subject)) if !subject.trim().is_empty() => self
                        .provider(provider.trim())
                        .map_err(at("identities"))
                        .map(|_| (provider.trim().to_owned(), subject.trim().to_owned())),
                    _ => Err(csv_error(
                        line,
                        "identities",
                        format!("{pair:?} is not provider:subject"),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            rows.push(Row {
                line,
                display_name: valid_text("display_name", required("display_name")?, 120)
                    .map_err(at("display_name"))?,
                extension: valid_extension(required("extension")?).map_err(at("extension"))?,
                login_emails: login,
                notification_emails: notification,
                sip_user: get("sip_user")
                    .map(|user| valid_text("sip_user", user, 64).map_err(at("sip_user")))
                    .transpose()?,
                auth_user: get("auth_user")
                    .map(|user| valid_text("auth_user", user, 64).map_err(at("auth_user")))
                    .transpose()?,
                sip_password: get("sip_password")
                    .map(|password| {
                        valid_text("sip_password", password, 128).map_err(at("sip_password"))
                    })
                    .transpose()?,
                sip_domain: valid_text("sip_domain", required("sip_domain")?, 255)
                    .map_err(at("sip_domain"))?,
                registrar: valid_sip_uri("registrar", required("registrar")?)
                    .map_err(at("registrar"))?,
                transport: valid_transport(get("transport").unwrap_or("tls"))
                    .map_err(at("transport"))?,
                outbound_proxy: optional_uri("outbound_proxy")?,
                stun_server: optional_uri("stun_server")?,
                turn_server: optional_uri("turn_server")?,
                voicemail_number: get("voicemail_number")
                    .map(|number| valid_extension(number).map_err(at("voicemail_number")))
                    .transpose()?,
                identities,
                username,
            });
        }
        if rows.is_empty() {
            return Err(csv_error(2, "-", "the file has no rows".into()));
        }
        Ok(rows)
    }
}
