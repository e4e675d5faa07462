//! The registrar's configuration as it ships: `deploy/kamailio/kamailio.cfg`, one static
//! file that every Kamailio of Switchboard runs (tests, the demo, an operator's server),
//! with the settings of one site in [`LOCAL_FILE`] beside it.

/// `deploy/kamailio/kamailio.cfg`, byte for byte.
pub const KAMAILIO_CFG: &str = include_str!("../../../deploy/kamailio/kamailio.cfg");

/// The name of the site's file that [`KAMAILIO_CFG`] includes (from its own folder).
pub const LOCAL_FILE: &str = "switchboard-local.cfg";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_includes_the_local_file() {
        assert!(KAMAILIO_CFG.starts_with("#!KAMAILIO\n"));
        assert!(KAMAILIO_CFG.contains(&format!("include_file \"{LOCAL_FILE}\"")));
    }

    #[test]
    fn the_shipped_file_reads_the_portals_views() {
        for name in [
            "registrar_credentials_md5",
            "registrar_credentials_sha256",
            "registrar_lines",
        ] {
            assert!(KAMAILIO_CFG.contains(&format!("\"{name}\"")), "{name}");
        }
        assert!(KAMAILIO_CFG.contains("modparam(\"auth_db\", \"calculate_ha1\", 0)"));
        assert!(KAMAILIO_CFG.contains("modparam(\"auth_db\", \"version_table\", 0)"));
    }
}
