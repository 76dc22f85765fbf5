//! HTML of the development providers' pages (plain server-rendered forms).

use super::people::DEMO;

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The "Sign in as" choice: the demo users, or any other login, and the
/// email a tenant's directory lists for them (as an Entra admin can set
/// any user's email, unverified: what the "nOAuth" attack relies on).
pub fn person_picker(other_login: &str, directory_email: &str) -> String {
    let people: String = DEMO
        .iter()
        .enumerate()
        .map(|(i, (login, name))| {
            format!(
                r#"<label class="person"><input type="radio" name="login" value="{login}"{checked}><img src="/github/avatars/{login}.svg" width="32" height="32" alt=""><span><strong>{name}</strong> @{login}</span></label>"#,
                checked = if i == 0 { " checked" } else { "" },
            )
        })
        .collect();
    format!(
        r#"<fieldset><legend>Sign in as</legend>{people}
<label class="other">Or another login<input type="text" name="other_login" autocomplete="off" spellcheck="false" value="{}"></label>
<label class="other">Directory email (optional, unverified)<input type="email" name="directory_email" autocomplete="off" spellcheck="false" value="{}"></label></fieldset>"#,
        escape(other_login),
        escape(directory_email)
    )
}

/// An error line for the top of a form, or nothing.
pub fn error_line(error: Option<&str>) -> String {
    error
        .map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, escape(e)))
        .unwrap_or_default()
}

pub fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>{title}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#0d1117;color:#e6edf3;margin:0;display:flex;justify-content:center;padding:48px 16px}}
main{{background:#161b22;border:1px solid #30363d;border-radius:12px;max-width:440px;width:100%;padding:28px}}
h1{{font-size:1.3rem;margin:0 0 6px}} p{{color:#9da7b3;line-height:1.5}} .note{{font-size:.85rem;background:#1f2a37;border-radius:8px;padding:8px 12px;color:#c9d1d9}}
fieldset{{border:0;padding:0;margin:18px 0}} legend{{font-weight:600;margin-bottom:8px}}
label.person{{display:flex;align-items:center;gap:10px;padding:10px;border:1px solid #30363d;border-radius:8px;margin-bottom:8px;cursor:pointer}}
label.person img{{border-radius:50%}} .other{{display:block;margin-top:12px;font-size:.9rem}}
input[type=text]{{width:100%;box-sizing:border-box;margin-top:6px;padding:8px;border-radius:6px;border:1px solid #30363d;background:#0d1117;color:#e6edf3}}
.buttons{{display:flex;gap:10px;margin-top:20px}} button{{flex:1;padding:10px;border-radius:6px;border:1px solid #30363d;font-size:1rem;cursor:pointer}}
button.primary{{background:#238636;border-color:#2ea043;color:#fff}} button.secondary{{background:#21262d;color:#e6edf3}}
.error{{color:#ff7b72}}
</style></head><body><main>{body}</main></body></html>"#,
        title = escape(title)
    )
}
