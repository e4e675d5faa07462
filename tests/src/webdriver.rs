//! Just enough of the W3C WebDriver protocol to drive the app: sessions, finding elements,
//! text, attributes, clicks, screenshots. Waits poll the page for a condition, never sleep
//! for a fixed time.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Session {
    http: reqwest::Client,
    base: String,
}

#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    /// Opens a session on the WebDriver server at `server` for the given capabilities.
    pub async fn start(server: &str, capabilities: Value) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let answer: Value = http
            .post(format!("{server}/session"))
            .json(&json!({ "capabilities": { "alwaysMatch": capabilities } }))
            .send()
            .await
            .context("WebDriver server does not answer")?
            .json()
            .await?;
        let id = answer["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no WebDriver session: {answer}"))?;
        Ok(Self {
            http,
            base: format!("{server}/session/{id}"),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await?.json().await?;
        if let Some(error) = answer["value"]["error"].as_str() {
            bail!("WebDriver {path}: {error}: {}", answer["value"]["message"]);
        }
        Ok(answer["value"].clone())
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let found = self
            .call(
                reqwest::Method::POST,
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await?;
        Ok(found
            .as_array()
            .map(|elements| {
                elements
                    .iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|id| Element(id.to_owned())))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn text(&self, element: &Element) -> Result<String> {
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/text", element.0),
                None,
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/attribute/{name}", element.0),
                None,
            )
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    pub async fn click(&self, element: &Element) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    /// Replaces the text of the first field `css` matches, as if typed.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let element = self
            .find_all(css)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("nothing matches {css}"))?;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.0),
            Some(json!({})),
        )
        .await?;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        )
        .await?;
        Ok(())
    }

    /// Runs `script` in the page with `args` (`arguments[0]`…) and answers what it returned.
    pub async fn execute(&self, script: &str, args: Value) -> Result<Value> {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// The `id` of the element that has keyboard focus (empty when it has none).
    pub async fn focused_id(&self) -> Result<String> {
        let value = self
            .call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({
                    "script": "const a = document.activeElement; return a && a !== document.body ? a.id : '';",
                    "args": [],
                })),
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Types `text` on the keyboard into whatever has focus, as a person would, without
    /// clicking anything first.
    pub async fn type_keys(&self, text: &str) -> Result<()> {
        let mut keys = Vec::new();
        for c in text.chars() {
            keys.push(json!({ "type": "keyDown", "value": c.to_string() }));
            keys.push(json!({ "type": "keyUp", "value": c.to_string() }));
        }
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": keys }] })),
        )
        .await?;
        Ok(())
    }

    /// The current value of the first field `css` matches.
    pub async fn value(&self, css: &str) -> Result<String> {
        let element = self
            .find_all(css)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("nothing matches {css}"))?;
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/property/value", element.0),
                None,
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Whether the first element `css` matches can be used (a button not `disabled`).
    pub async fn is_enabled(&self, css: &str) -> Result<bool> {
        let element = self
            .find_all(css)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("nothing matches {css}"))?;
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/enabled", element.0),
                None,
            )
            .await?;
        Ok(value.as_bool().unwrap_or(false))
    }

    /// Whether the first radio button or checkbox `css` matches is selected.
    pub async fn is_selected(&self, css: &str) -> Result<bool> {
        let element = self
            .find_all(css)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("nothing matches {css}"))?;
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/selected", element.0),
                None,
            )
            .await?;
        Ok(value.as_bool().unwrap_or(false))
    }

    /// Clicks the first element `css` matches.
    pub async fn click_first(&self, css: &str) -> Result<()> {
        let element = self
            .find_all(css)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("nothing matches {css}"))?;
        self.click(&element).await
    }

    /// Signs in on the sign-in screen with a username and password, and waits for the ready
    /// screen to show `extension`.
    pub async fn sign_in_with_password(
        &self,
        username: &str,
        password: &str,
        extension: &str,
        timeout: Duration,
    ) -> Result<()> {
        self.type_into("#username", username).await?;
        self.type_into("#password", password).await?;
        self.click_first("#password-sign-in").await?;
        self.wait_for_text("#ready-extension", extension, timeout)
            .await?;
        Ok(())
    }

    /// Opens section `key` of the security settings (its heading is the button
    /// `#{key}-toggle`, clicked in the page in one step) and waits until it says it is open.
    pub async fn open_security_section(&self, key: &str, timeout: Duration) -> Result<()> {
        self.execute(
            "document.getElementById(arguments[0] + '-toggle').click();",
            json!([key]),
        )
        .await?;
        self.wait_for(
            &format!("#{key}-toggle"),
            timeout,
            |_, expanded| expanded == Some("true"),
            "aria-expanded",
        )
        .await?;
        Ok(())
    }

    /// Waits until the sign-in screen says the portal is reachable.
    pub async fn wait_until_connected(&self, timeout: Duration) -> Result<()> {
        self.wait_for(
            "#portal-status",
            timeout,
            |_, state| state == Some("reachable"),
            "data-state",
        )
        .await
        .map(|_| ())
    }

    /// Waits until `css` matches an element for which `ready` holds, and returns it.
    pub async fn wait_for(
        &self,
        css: &str,
        timeout: Duration,
        ready: impl Fn(&str, Option<&str>) -> bool,
        attribute: &str,
    ) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        let mut last = String::from("(not found)");
        loop {
            if let Some(element) = self.find_all(css).await?.into_iter().next() {
                let text = self.text(&element).await.unwrap_or_default();
                let value = self
                    .attribute(&element, attribute)
                    .await
                    .unwrap_or_default();
                if ready(&text, value.as_deref()) {
                    return Ok(element);
                }
                last = format!("text {text:?}, {attribute}={value:?}");
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for {css}: last seen {last}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `css` matches an element whose text contains `needle`.
    pub async fn wait_for_text(
        &self,
        css: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<Element> {
        self.wait_for(css, timeout, |text, _| text.contains(needle), "id")
            .await
    }

    /// Waits until `css` matches exactly `count` elements.
    pub async fn wait_for_count(&self, css: &str, count: usize, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.find_all(css).await?.len();
            if found == count {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{css}: {found} found, waited for {count}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page has painted twice more, so a screenshot shows the current DOM.
    pub async fn wait_for_paint(&self) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                "args": [],
            })),
        )
        .await?;
        Ok(())
    }

    pub async fn screenshot_png(&self) -> Result<Vec<u8>> {
        self.wait_for_paint().await?;
        let value = self.call(reqwest::Method::GET, "/screenshot", None).await?;
        let encoded = value.as_str().ok_or_else(|| anyhow!("no screenshot"))?;
        Ok(base64::engine::general_purpose::STANDARD.decode(encoded)?)
    }

    pub async fn close(&self) -> Result<()> {
        self.http.delete(&self.base).send().await?;
        Ok(())
    }
}
