//! `gantry docs NAME`: a provider's schema reference, printed or written into the
//! section of a page that holds it (`-update FILE`, `-check` to only compare).

use anyhow::{anyhow, Result};
use gantry_core::schema_doc;
use std::path::Path;

/// Exit status of `-check` when the page is stale, as `fmt -check` uses.
const STALE: u8 = 3;

pub fn run(provider: &str, update: Option<&Path>, check: bool) -> Result<u8> {
    let registry = crate::registry();
    let Some(factory) = registry.get(provider) else {
        let names: Vec<&str> = registry.names().collect();
        return Err(anyhow!("Unknown provider \"{provider}\"; this build has: {}", names.join(", ")));
    };
    let reference = schema_doc::reference(provider, factory.schema());
    let Some(page) = update else {
        if check {
            return Err(anyhow!("-check compares a page's section: give the page with -update FILE"));
        }
        print!("{reference}");
        return Ok(0);
    };
    let text = std::fs::read_to_string(page).map_err(|e| anyhow!("cannot read {}: {e}", page.display()))?;
    let Some(updated) = schema_doc::updated_page(&text, &reference) else {
        return Err(anyhow!(
            "{} has no schema reference section. Add the two lines\n{} {provider} -->\n{}\nwhere it belongs, then run this again",
            page.display(),
            schema_doc::BEGIN,
            schema_doc::END
        ));
    };
    if updated == text {
        return Ok(0);
    }
    if check {
        eprintln!(
            "{} documents another version of the {provider} provider's schema. Run gantry docs {provider} -update {}",
            page.display(),
            page.display()
        );
        return Ok(STALE);
    }
    gantry_core::state::write_atomic(page, updated.as_bytes())?;
    println!("{} updated.", page.display());
    Ok(0)
}
