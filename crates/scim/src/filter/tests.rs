use serde_json::json;

use super::*;
use crate::user::{Meta, User};

fn parse(input: &str) -> Filter {
    match Filter::parse(input) {
        Ok(filter) => filter,
        Err(error) => panic!("{input}: {error}"),
    }
}

fn error(input: &str) -> ScimError {
    match Filter::parse(input) {
        Ok(filter) => panic!("{input} parsed as {filter:?}"),
        Err(error) => {
            assert_eq!(error.scim_type, Some("invalidFilter"), "{input}");
            assert_eq!(error.status, 400);
            error
        }
    }
}

/// Barbara as the portal renders her.
fn barbara() -> Value {
    let user = User::from_json(&json!({
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "externalId": "Ext-42",
        "displayName": "Babs Jensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@Example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "7", "department": "Tour Operations"
        }
    }))
    .unwrap();
    user.to_resource(
        "2819c223-7f76-453a-919d-413861904646",
        &Meta {
            created: 1_796_679_857,
            last_modified: 1_796_679_900,
            location: "https://portal.example/scim/v2/Users/2819c223".to_owned(),
        },
    )
}

fn matches(input: &str) -> bool {
    parse(input).matches(&barbara())
}

#[test]
fn entra_and_okta_filters() {
    assert!(matches(
        r#"userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1""#
    ));
    assert!(matches(
        r#"userName eq "test_user_AB6490EE-1e48-479e-a20b-2d77186b5dd1""#
    ));
    assert!(!matches(
        r#"userName eq "Test_User_00000000-1e48-479e-a20b-2d77186b5dd1""#
    ));
    assert!(matches(r#"externalId eq "Ext-42""#));
    assert!(matches(
        r#"emails[type eq "work"].value eq "bjensen@example.com""#
    ));
    assert!(!matches(
        r#"emails[type eq "home"].value eq "bjensen@example.com""#
    ));
    assert!(matches(
        r#"userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1" and active eq true"#
    ));
}

#[test]
fn case_exact_attributes() {
    assert!(!matches(r#"externalId eq "ext-42""#));
    assert!(matches(r#"id eq "2819c223-7f76-453a-919d-413861904646""#));
    assert!(!matches(r#"id eq "2819C223-7F76-453A-919D-413861904646""#));
    let version = barbara()["meta"]["version"].as_str().unwrap().to_owned();
    assert!(matches(&format!("meta.version eq {}", json!(version))));
    assert!(!matches(&format!(
        "meta.version eq {}",
        json!(version.to_uppercase())
    )));
}

#[test]
fn names_and_operators_are_case_insensitive() {
    assert!(matches(
        r#"USERNAME EQ "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1""#
    ));
    assert!(matches(r#"DisplayName Co "JENSEN""#));
    assert!(matches(
        r#"name.GIVENNAME sw "bar" AND Name.familyName EW "SEN""#
    ));
    assert!(matches(
        r#"EMAILS[TYPE EQ "WORK"].VALUE eq "BJENSEN@EXAMPLE.COM""#
    ));
    assert!(matches("ACTIVE eq TRUE"));
}

#[test]
fn schema_prefixes() {
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "test_user""#
    ));
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "Jensen""#
    ));
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7""#
    ));
    assert!(matches(
        r#"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:department co "tour""#
    ));
    assert!(matches(r#"department eq "Tour Operations""#));
    assert!(!matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName pr"#
    ));
    assert!(!matches(r#"urn:example:other:2.0:User:userName pr"#));
    let path = match parse(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeeNumber pr"#,
    ) {
        Filter::Present(path) => path,
        other => panic!("{other:?}"),
    };
    assert_eq!(path.schema.as_deref(), Some(schemas::ENTERPRISE_USER));
    assert_eq!(path.attr, "employeeNumber");
}

#[test]
fn multi_valued_attributes() {
    assert!(matches(r#"emails eq "babs@jensen.org""#));
    assert!(matches(r#"emails co "jensen.org""#));
    assert!(matches(r#"emails.value eq "BJENSEN@example.com""#));
    assert!(matches(r#"emails.type eq "home""#));
    assert!(matches(r#"emails[value eq "babs@jensen.org"]"#));
    assert!(matches(r#"emails[type eq "work" and value co "@example"]"#));
    assert!(!matches(
        r#"emails[type eq "home" and value co "@example"]"#
    ));
    assert!(matches(
        r#"emails[type eq "home" or primary eq true].value ew ".com""#
    ));
    assert!(matches(r#"phoneNumbers[type eq "mobile"]"#));
    assert!(matches(
        r#"emails[not (type eq "work")].value eq "babs@jensen.org""#
    ));
    assert!(matches(r#"emails[type eq "work"] and userName pr"#));
    assert!(!matches(r#"emails[type eq "fax"] or userName eq "x""#));
}

#[test]
fn present() {
    assert!(matches("userName pr"));
    assert!(matches("emails pr"));
    assert!(matches("name.givenName pr"));
    assert!(matches("meta.lastModified pr"));
    assert!(!matches("title pr"));
    assert!(!matches("name.middleName pr"));
    let empty = json!({"userName": "a", "displayName": "", "emails": [], "nickName": null});
    for attr in ["displayName", "emails", "nickName", "name"] {
        assert!(!parse(&format!("{attr} pr")).matches(&empty), "{attr}");
        assert!(parse(&format!("not ({attr} pr)")).matches(&empty), "{attr}");
    }
}

#[test]
fn absent_attributes_compare_false() {
    for op in ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] {
        assert!(!matches(&format!(r#"title {op} "x""#)), "{op}");
        assert!(matches(&format!(r#"not (title {op} "x")"#)), "{op}");
    }
    assert!(matches("title eq null"));
    assert!(!matches("userName eq null"));
    assert!(matches("userName ne null"));
}

#[test]
fn ne_means_present_and_different() {
    assert!(matches(r#"userName ne "bjensen""#));
    assert!(!matches(r#"externalId ne "Ext-42""#));
    assert!(matches(r#"externalId ne "ext-42""#));
    assert!(!matches(r#"emails ne "babs@jensen.org""#));
}

#[test]
fn ordering() {
    assert!(matches(r#"meta.lastModified gt "2026-12-07T21:44:17Z""#));
    assert!(matches(r#"meta.lastModified ge "2026-12-07T21:45:00Z""#));
    assert!(!matches(r#"meta.lastModified gt "2026-12-07T21:45:00Z""#));
    assert!(matches(r#"meta.created lt "2027-01-01T00:00:00Z""#));
    assert!(matches(r#"meta.created le "2026-12-07T21:44:17Z""#));
    assert!(matches(r#"userName gt "TEST""#));
    let numbers = json!({"userName": "a", "count": 10});
    assert!(parse("count gt 9.5").matches(&numbers));
    assert!(parse("count le 10").matches(&numbers));
    assert!(parse("count eq 1e1").matches(&numbers));
    assert!(!parse(r#"count eq "10""#).matches(&numbers));
}

#[test]
fn precedence_not_and_or() {
    // `a or b and c` is `a or (b and c)`.
    let filter = parse(r#"userName eq "x" or active eq true and displayName eq "y""#);
    assert!(matches!(filter, Filter::Or(_, ref right) if matches!(**right, Filter::And(..))));
    assert!(!filter.matches(&barbara()));
    assert!(matches(
        r#"userName eq "x" or active eq true and displayName co "babs""#
    ));
    assert!(!matches(
        r#"(userName eq "x" or active eq true) and displayName eq "y""#
    ));
    assert!(matches(
        r#"displayName eq "y" or userName sw "test" and active eq true"#
    ));
    // `not a and b` is `(not a) and b`.
    let filter = parse(r#"not (userName eq "x") and active eq false"#);
    assert!(matches!(filter, Filter::And(ref left, _) if matches!(**left, Filter::Not(_))));
    assert!(!filter.matches(&barbara()));
    assert!(matches(r#"not (userName eq "x" or active eq false)"#));
    assert!(!matches(r#"not (active eq true)"#));
    assert!(matches(r#"not not (active eq true)"#));
    assert!(matches(r#"((((userName pr))))"#));
    assert!(matches(
        r#"active eq false or (displayName co "jens" and (emails[type eq "home"] or title pr))"#
    ));
}

#[test]
fn string_escapes() {
    let resource = json!({"userName": "a\"b\\c", "displayName": "Ünïcødé ✓"});
    assert!(parse(r#"userName eq "a\"b\\c""#).matches(&resource));
    assert!(parse(r#"displayName eq "\u00fcn\u00efc\u00f8d\u00e9 \u2713""#).matches(&resource));
    assert!(parse(r#"displayName sw "ünï""#).matches(&resource));
}

#[test]
fn malformed_filters_say_where() {
    assert_eq!(
        error("userName").detail,
        "expected an operator after \"userName\" at character 9"
    );
    assert!(error(r#"(userName eq "a""#)
        .detail
        .contains("unbalanced parenthesis"));
    assert!(error(r#"userName eq "a")"#)
        .detail
        .contains("unbalanced parenthesis"));
    assert!(error(r#"((userName eq "a") or (active eq true)"#)
        .detail
        .contains("not closed"));
    assert!(error(r#"userName eqq "a""#)
        .detail
        .contains("unknown operator \"eqq\" at character 10"));
    assert!(error(r#"userName like "a""#)
        .detail
        .contains("unknown operator"));
    let detail = error("userName eq").detail;
    assert!(
        detail.starts_with("expected a value") && detail.ends_with("after \"eq\" at character 12")
    );
    assert!(error("userName eq and active eq true")
        .detail
        .contains("expected a value"));
    assert!(error(r#"userName eq "a" garbage"#)
        .detail
        .contains("unexpected \"garbage\" at character 17"));
    assert!(error(r#"userName eq "a" "b""#)
        .detail
        .contains("unexpected"));
    assert!(error(r#"userName eq "abc"#)
        .detail
        .contains("unterminated string starting at character 13"));
    assert!(error(r#"userName eq "a\q""#)
        .detail
        .contains("invalid string"));
    assert!(error(r#"userName eq "a" and"#)
        .detail
        .contains("expected an attribute"));
    error(r#"userName eq "a" or or x pr"#);
    assert!(error("").detail.contains("empty"));
    assert!(error("   ").detail.contains("empty"));
    assert!(error(r#"emails[type eq "work""#).detail.contains("bracket"));
    assert!(error(r#"emails[type eq "work"]] pr"#)
        .detail
        .contains("bracket"));
    assert!(error(r#"emails[type[value eq "x"] eq "y"]"#)
        .detail
        .contains("nested"));
    assert!(error(r#"userName eq 'a'"#).detail.contains("unexpected"));
    assert!(error(r#"userName eq 12abc"#)
        .detail
        .contains("invalid number"));
    assert!(error(r#"1userName eq "a""#)
        .detail
        .contains("at character 1"));
    assert!(error(r#"name..givenName eq "a""#)
        .detail
        .contains("invalid attribute path"));
    assert!(error(r#"userName eq "a" and (active eq true"#)
        .detail
        .contains("character 21"));
}

#[test]
fn operand_types_are_checked_at_parse_time() {
    assert!(error("active gt true").detail.contains("cannot compare"));
    assert!(error("userName lt null").detail.contains("cannot compare"));
    assert!(error("userName co 5").detail.contains("needs a string"));
    assert!(error("userName sw true").detail.contains("needs a string"));
}

#[test]
fn limits() {
    let long = format!("userName eq \"{}\"", "a".repeat(4096));
    assert!(error(&long).detail.contains("4096"));
    let deep = format!("{}userName pr{}", "(".repeat(33), ")".repeat(33));
    assert!(error(&deep).detail.contains("nested deeper"));
    let ok = format!("{}userName pr{}", "(".repeat(31), ")".repeat(31));
    assert!(parse(&ok).matches(&barbara()));
    let nots = format!("{}(userName pr)", "not ".repeat(40));
    assert!(error(&nots).detail.contains("nested deeper"));
    // Long flat chains are fine within the size limit.
    let chain = vec!["userName pr"; 250].join(" and ");
    assert!(parse(&chain).matches(&barbara()));
}

#[test]
fn attribute_named_like_a_keyword() {
    let resource = json!({"not": "x", "and": "y"});
    assert!(parse(r#"not eq "x""#).matches(&resource));
    assert!(parse(r#"not (and eq "z")"#).matches(&resource));
}

#[test]
fn narrowing() {
    let n = |input: &str| parse(input).narrowing();
    assert_eq!(
        n(r#"userName eq "Test_User_AB""#),
        Some(Narrowing::UserName("test_user_ab".to_owned()))
    );
    assert_eq!(
        n(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Bob""#),
        Some(Narrowing::UserName("bob".to_owned()))
    );
    assert_eq!(
        n(r#"externalId eq "AbC""#),
        Some(Narrowing::ExternalId("AbC".to_owned()))
    );
    for email in [
        r#"emails.value eq "A@B.example""#,
        r#"emails[value eq "A@B.example"]"#,
        r#"emails eq "A@B.example""#,
        r#"emails[type eq "work"].value eq "A@B.example""#,
        r#"emails[type eq "work" and value eq "A@B.example"]"#,
    ] {
        assert_eq!(
            n(email),
            Some(Narrowing::Email("a@b.example".to_owned())),
            "{email}"
        );
    }
    assert_eq!(
        n(r#"active eq true and externalId eq "x""#),
        Some(Narrowing::ExternalId("x".to_owned()))
    );
    assert_eq!(
        n(r#"userName eq "a" and externalId eq "x""#),
        Some(Narrowing::UserName("a".to_owned()))
    );
    for none in [
        r#"userName eq "a" or externalId eq "x""#,
        r#"not (userName eq "a")"#,
        r#"userName ne "a""#,
        r#"userName co "a""#,
        r#"userName eq 5"#,
        r#"emails.type eq "work""#,
        r#"emails[type eq "work"]"#,
        r#"displayName eq "a""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "a""#,
        r#"name.userName eq "a""#,
    ] {
        assert_eq!(n(none), None, "{none}");
    }
}

#[test]
fn patch_paths() {
    let path = AttrPath::parse(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(path.attr, "emails");
    assert_eq!(path.sub.as_deref(), Some("value"));
    assert!(path.filter.is_some());
    let path =
        AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
            .unwrap();
    assert!(path.is_enterprise());
    assert_eq!(
        (path.attr.as_str(), path.sub.as_deref()),
        ("manager", Some("value"))
    );
    for bad in [
        "",
        "emails[type eq",
        "userName eq \"a\"",
        "a.b.c",
        "emails[type eq \"work\"].",
        "(userName)",
    ] {
        let error = AttrPath::parse(bad).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidPath"), "{bad}");
    }
}
