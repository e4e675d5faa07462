//! The system browser, played by a test: from the portal's authorize URL through the
//! provider (dev-idp) and back to the link the OS would hand the app.

use anyhow::{anyhow, bail, Context, Result};
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use url::Url;

pub struct Browser {
    http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

fn location(response: &reqwest::Response) -> Result<Url> {
    let location = response
        .headers()
        .get(LOCATION)
        .ok_or_else(|| anyhow!("no Location header (status {})", response.status()))?
        .to_str()?;
    Ok(location.parse()?)
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }

    /// Signs in as `login_hint` (a dev-idp identity) starting at the portal's authorize URL;
    /// `extra` query pairs are added at the provider (dev-idp knobs). Returns the link the
    /// browser hands back to the app.
    pub async fn sign_in(
        &self,
        authorize_url: &Url,
        login_hint: &str,
        extra: &[(&str, &str)],
    ) -> Result<Url> {
        let to_provider = self.http.get(authorize_url.clone()).send().await?;
        if !to_provider.status().is_redirection() {
            bail!(
                "the portal did not send the browser on: {} {}",
                to_provider.status(),
                to_provider.text().await.unwrap_or_default()
            );
        }
        let mut provider_url = location(&to_provider)?;
        // The user picks their identity on the provider's page.
        if !provider_url.query_pairs().any(|(k, _)| k == "login_hint") {
            provider_url
                .query_pairs_mut()
                .append_pair("login_hint", login_hint);
        }
        for (key, value) in extra {
            provider_url.query_pairs_mut().append_pair(key, value);
        }
        let at_provider = self.http.get(provider_url).send().await?;
        let at_portal = if at_provider.status().is_redirection() {
            self.http.get(location(&at_provider)?).send().await?
        } else {
            // form_post (Apple): post the page's form like a browser does.
            let page = at_provider.text().await?;
            let start = page.find("<form").context("no form_post form")?;
            let form_tag = &page[start..start + page[start..].find('>').context("bad form")?];
            let action = attribute(form_tag, "action").context("form without action")?;
            let mut fields = Vec::new();
            for input in page.split("<input").skip(1) {
                let tag = &input[..input.find('>').unwrap_or(input.len())];
                if let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value"))
                {
                    fields.push((name, value));
                }
            }
            self.http.post(action).form(&fields).send().await?
        };
        if at_portal.status().is_redirection() {
            return location(&at_portal);
        }
        if at_portal.status() != StatusCode::OK {
            bail!("the portal's callback answered {}", at_portal.status());
        }
        let page = at_portal.text().await?;
        let start = page
            .find("id=\"continue\"")
            .context("the portal's page has no link back to the app")?;
        let tag = &page[start..start + page[start..].find('>').context("bad link")?];
        Ok(attribute(tag, "href")
            .context("link without href")?
            .parse()?)
    }
}

/// A stand-in for the system browser the app opens (`SWITCHBOARD_BROWSER`): a script that
/// records each URL, so the test can play the browser with it.
pub struct RecordingBrowser {
    pub script: std::path::PathBuf,
    log: std::path::PathBuf,
}

impl RecordingBrowser {
    pub fn new(dir: &std::path::Path) -> Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let log = dir.join("opened-urls.txt");
        let script = dir.join("record-browser.sh");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
        )?;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
        Ok(Self { script, log })
    }

    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The URL the app opens after the `seen` it opened before, waiting for it.
    pub async fn wait_for_new_url(&self, seen: usize, timeout: std::time::Duration) -> Result<Url> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(url) = self.opened().get(seen) {
                return Ok(url.parse()?);
            }
            if std::time::Instant::now() > deadline {
                bail!("the app did not open the browser again");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The last URL the app opened, waiting for one to come.
    pub async fn wait_for_url(&self, timeout: std::time::Duration) -> Result<Url> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(url) = self.opened().last() {
                return Ok(url.parse()?);
            }
            if std::time::Instant::now() > deadline {
                bail!("the app never opened the browser");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}
