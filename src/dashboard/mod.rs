//! The dashboard's assets: one page, its script, its style sheet and its icon, served by
//! `serve` (as files, under its Content-Security-Policy) and inlined by `report` (into one
//! page that draws from JSON embedded in it). The script draws the page from the endpoints'
//! JSON, whatever the page it is in.

/// The page: markup only; its style and script are the two files below, so that the served
/// page's Content-Security-Policy needs no `unsafe-inline`.
pub const PAGE: &str = include_str!("dashboard.html");
/// The script, served at `/dashboard.js`.
pub const SCRIPT: &str = include_str!("dashboard.js");
/// The style sheet, served at `/dashboard.css`.
pub const STYLE: &str = include_str!("dashboard.css");
/// The browser tab's icon: asked for by every browser that opens the dashboard, which would
/// otherwise get (and log) a 404.
pub const FAVICON: &str = include_str!("favicon.svg");

/// The page's `<main>` without the parts marked `<!-- not in a report -->` … `<!-- /not in a
/// report -->` (the range form, the links to the endpoints): what a report shows.
pub fn main_for_a_report() -> String {
    let start = PAGE.find("<main>").expect("dashboard.html has <main>") + "<main>".len();
    let end = PAGE.find("</main>").expect("dashboard.html has </main>");
    let mut main = PAGE[start..end].to_string();
    const CUT: &str = "<!-- not in a report";
    const CUT_END: &str = "<!-- /not in a report -->";
    while let Some(from) = main.find(CUT) {
        let to = main[from..]
            .find(CUT_END)
            .expect("every cut of dashboard.html ends")
            + from;
        main.replace_range(from..to + CUT_END.len(), "");
    }
    main
}
