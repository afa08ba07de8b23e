//! The user agent and ip of `--realistic`: a new one for every line, as in the real
//! file, whose user agents and ips were made by Faker per event. The templates follow
//! Faker's `user_agent` provider (Chrome, Firefox, MSIE, Opera, Safari, each with its
//! platforms) and the details of the real lines, such as "Mac OS X 10 8_6".
//!
//! The bytes go straight into the line buffer, without `format!`, because the generator
//! writes millions of lines a second and a user agent is a third of a line.

use super::digits::{date, day_number, push_clock, push_u64, START_DAY};
use super::rng::Rng;
use super::simulation::random_ip;
use super::vocabulary::{ANDROID_VERSIONS, IOS_VERSIONS, LOCALES, MAC_PROCESSORS, WINDOWS_TOKENS};

/// First day of the Firefox build dates ("Gecko/2012-07-25 14:52:39"); they run up to
/// the day before the generated span starts. The real file's run from 2010 to 2022.
#[rustfmt::skip] // rustfmt would space the date macro as a subtraction
const GECKO_FIRST_DAY: i64 = day_number(time::macros::date!(2010-01-01));

/// Draws from its own random stream, so that the simulation and the shuffle draw the
/// same numbers with or without `--realistic`: only these two values change.
pub(super) struct Agents {
    rng: Rng,
}

impl Agents {
    pub(super) fn new(seed: u64) -> Agents {
        Agents {
            rng: Rng::new(seed),
        }
    }

    /// A public-looking IPv4 address, drawn the way the simulation draws them.
    pub(super) fn ip(&mut self) -> u32 {
        random_ip(&mut self.rng)
    }

    /// Appends one user agent; the five browsers are equally likely, as with Faker.
    pub(super) fn write_user_agent(&mut self, b: &mut Vec<u8>) {
        match self.rng.below(5) {
            0 => self.chrome(b),
            1 => self.firefox(b),
            2 => self.msie(b),
            3 => self.opera(b),
            _ => self.safari(b),
        }
    }

    /// Uniform in `lo..=hi`.
    fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.rng.below((hi - lo + 1) as u64) as u32
    }

    fn num(&mut self, b: &mut Vec<u8>, lo: u32, hi: u32) {
        let n = self.int(lo, hi);
        push_u64(b, n as u64);
    }

    fn pick(&mut self, b: &mut Vec<u8>, words: &[&str]) {
        let i = self.rng.below(words.len() as u64) as usize;
        b.extend_from_slice(words[i].as_bytes());
    }

    /// "Mozilla/5.0 (compatible; MSIE 8.0; Windows 98; Win 9x 4.90; Trident/3.0)"
    fn msie(&mut self, b: &mut Vec<u8>) {
        b.extend_from_slice(b"Mozilla/5.0 (compatible; MSIE ");
        self.num(b, 5, 9);
        b.extend_from_slice(b".0; ");
        self.pick(b, &WINDOWS_TOKENS);
        b.extend_from_slice(b"; Trident/");
        self.num(b, 3, 5);
        b.push(b'.');
        self.num(b, 0, 1);
        b.push(b')');
    }

    /// "Opera/9.49.(X11; Linux x86_64; mhr-RU) Presto/2.9.188 Version/11.00"
    fn opera(&mut self, b: &mut Vec<u8>) {
        b.extend_from_slice(b"Opera/");
        self.num(b, 8, 9);
        b.push(b'.');
        self.num(b, 10, 99);
        b.extend_from_slice(b".(");
        if self.rng.below(2) == 0 {
            self.linux(b);
        } else {
            self.pick(b, &WINDOWS_TOKENS);
        }
        b.extend_from_slice(b"; ");
        self.pick(b, &LOCALES);
        b.extend_from_slice(b") Presto/2.9.");
        self.num(b, 160, 190);
        b.extend_from_slice(b" Version/");
        self.num(b, 10, 12);
        b.extend_from_slice(b".00");
    }

    /// "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko)
    /// Chrome/31.0.898.0 Safari/535.2", on iOS "CriOS/... Mobile/04Q016 Safari/...".
    fn chrome(&mut self, b: &mut Vec<u8>) {
        let webkit = self.chrome_webkit();
        b.extend_from_slice(b"Mozilla/5.0 (");
        let ios = self.chrome_platform(b);
        b.extend_from_slice(b") ");
        write_webkit(b, webkit);
        b.extend_from_slice(if ios { b" CriOS/" } else { b" Chrome/" });
        self.num(b, 13, 63);
        b.extend_from_slice(b".0.");
        self.num(b, 800, 899);
        b.extend_from_slice(b".0");
        if ios {
            b.extend_from_slice(b" Mobile/");
            self.build_upper(b);
        }
        b.extend_from_slice(b" Safari/");
        write_version(b, webkit);
    }

    /// One of Chrome's five platforms; true for iOS, whose template differs.
    fn chrome_platform(&mut self, b: &mut Vec<u8>) -> bool {
        match self.rng.below(5) {
            0 => self.linux(b),
            1 => self.pick(b, &WINDOWS_TOKENS),
            2 => self.mac(b),
            3 => {
                b.extend_from_slice(b"Linux; ");
                self.android(b);
            }
            _ => {
                self.ios(b);
                return true;
            }
        }
        false
    }

    /// WebKit version of Chrome and Firefox on iOS: 531..=536 and a minor 0..=2.
    fn chrome_webkit(&mut self) -> [u32; 3] {
        [self.int(531, 536), self.int(0, 2), 0]
    }

    /// Firefox on Windows, Linux, a Mac, Android or iOS.
    fn firefox(&mut self, b: &mut Vec<u8>) {
        b.extend_from_slice(b"Mozilla/5.0 (");
        match self.rng.below(5) {
            0 => {
                self.pick(b, &WINDOWS_TOKENS);
                b.extend_from_slice(b"; ");
                self.pick(b, &LOCALES);
                self.gecko(b, 0, 2);
            }
            1 => {
                self.linux(b);
                self.gecko(b, 5, 7);
            }
            2 => {
                self.mac(b);
                self.gecko(b, 2, 6);
            }
            3 => self.firefox_android(b),
            _ => self.firefox_ios(b),
        }
    }

    /// "; rv:1.9.2.20) Gecko/2016-10-16 10:23:28 Firefox/5.0" after a desktop platform.
    fn gecko(&mut self, b: &mut Vec<u8>, rv_lo: u32, rv_hi: u32) {
        b.extend_from_slice(b"; rv:1.9.");
        self.num(b, rv_lo, rv_hi);
        b.extend_from_slice(b".20) Gecko/");
        self.date_time(b);
        b.extend_from_slice(b" Firefox/");
        match self.rng.below(3) {
            0 => {
                self.num(b, 4, 15);
                b.extend_from_slice(b".0");
            }
            1 => {
                b.extend_from_slice(b"3.6.");
                self.num(b, 1, 20);
            }
            _ => b.extend_from_slice(b"3.8"),
        }
    }

    /// "Mozilla/5.0 (Android 3.0; Mobile; rv:50.0) Gecko/50.0 Firefox/50.0" from "(".
    fn firefox_android(&mut self, b: &mut Vec<u8>) {
        self.android(b);
        let rv = self.int(5, 68) as u64;
        b.extend_from_slice(b"; Mobile; rv:");
        push_u64(b, rv);
        b.extend_from_slice(b".0) Gecko/");
        push_u64(b, rv);
        b.extend_from_slice(b".0 Firefox/");
        push_u64(b, rv);
        b.extend_from_slice(b".0");
    }

    /// "(iPad; CPU iPad OS 10_3_4 like Mac OS X) AppleWebKit/536.0 (KHTML, like Gecko)
    /// FxiOS/10.9q8233.0 Mobile/98X602 Safari/536.0" from "(".
    fn firefox_ios(&mut self, b: &mut Vec<u8>) {
        let webkit = self.chrome_webkit();
        self.ios(b);
        b.extend_from_slice(b") ");
        write_webkit(b, webkit);
        b.extend_from_slice(b" FxiOS/");
        self.num(b, 9, 18);
        b.push(b'.');
        self.num(b, 0, 9);
        b.push(b'a' + self.rng.below(26) as u8);
        for _ in 0..4 {
            self.num(b, 0, 9);
        }
        b.extend_from_slice(b".0 Mobile/");
        self.build_upper(b);
        b.extend_from_slice(b" Safari/");
        write_version(b, webkit);
    }

    /// Safari on Windows, a Mac or an iPod.
    fn safari(&mut self, b: &mut Vec<u8>) {
        let webkit = [self.int(531, 535), self.int(1, 50), self.int(1, 7)];
        b.extend_from_slice(b"Mozilla/5.0 (");
        match self.rng.below(3) {
            0 => {
                b.extend_from_slice(b"Windows; U; ");
                self.pick(b, &WINDOWS_TOKENS);
            }
            1 => {
                self.mac(b);
                b.extend_from_slice(b" rv:");
                self.num(b, 2, 6);
                b.extend_from_slice(b".0; ");
                self.pick(b, &LOCALES);
            }
            _ => return self.safari_ipod(b, webkit),
        }
        b.extend_from_slice(b") ");
        write_webkit(b, webkit);
        b.extend_from_slice(b" Version/");
        self.num(b, 4, 5);
        if self.rng.below(2) == 0 {
            b.push(b'.');
            self.num(b, 0, 1);
        } else {
            b.extend_from_slice(b".0.");
            self.num(b, 1, 5);
        }
        b.extend_from_slice(b" Safari/");
        write_version(b, webkit);
    }

    /// "(iPod; U; CPU iPhone OS 3_2 like Mac OS X; te-IN) AppleWebKit/535.24.2 (KHTML,
    /// like Gecko) Version/3.0.5 Mobile/8B114 Safari/6535.24.2" from "(".
    fn safari_ipod(&mut self, b: &mut Vec<u8>, webkit: [u32; 3]) {
        b.extend_from_slice(b"iPod; U; CPU iPhone OS ");
        self.num(b, 3, 4);
        b.push(b'_');
        self.num(b, 0, 3);
        b.extend_from_slice(b" like Mac OS X; ");
        self.pick(b, &LOCALES);
        b.extend_from_slice(b") ");
        write_webkit(b, webkit);
        b.extend_from_slice(b" Version/");
        self.num(b, 3, 4);
        b.extend_from_slice(b".0.5 Mobile/8B");
        self.num(b, 111, 119);
        b.extend_from_slice(b" Safari/6");
        write_version(b, webkit);
    }

    fn linux(&mut self, b: &mut Vec<u8>) {
        b.extend_from_slice(b"X11; Linux ");
        self.pick(b, &["i686", "x86_64"]);
    }

    /// "Macintosh; U; PPC Mac OS X 10 8_6", with the space the real lines have.
    fn mac(&mut self, b: &mut Vec<u8>) {
        b.extend_from_slice(b"Macintosh; ");
        self.pick(b, &MAC_PROCESSORS);
        b.extend_from_slice(b" Mac OS X 10 ");
        self.num(b, 5, 12);
        b.push(b'_');
        self.num(b, 0, 9);
    }

    fn android(&mut self, b: &mut Vec<u8>) {
        b.extend_from_slice(b"Android ");
        self.pick(b, &ANDROID_VERSIONS);
    }

    /// "iPhone; CPU iPhone OS 9_3_5 like Mac OS X"
    fn ios(&mut self, b: &mut Vec<u8>) {
        let device: &[u8] = if self.rng.below(2) == 0 {
            b"iPhone"
        } else {
            b"iPad"
        };
        b.extend_from_slice(device);
        b.extend_from_slice(b"; CPU ");
        b.extend_from_slice(device);
        b.extend_from_slice(b" OS ");
        self.pick(b, &IOS_VERSIONS);
        b.extend_from_slice(b" like Mac OS X");
    }

    /// An iOS build such as "04Q016": two digits, a capital, three digits.
    fn build_upper(&mut self, b: &mut Vec<u8>) {
        let n = self.int(0, 99_999);
        let digits = [
            n / 10_000,
            n / 1000 % 10,
            0,
            n / 100 % 10,
            n / 10 % 10,
            n % 10,
        ];
        let letter = b'A' + self.rng.below(26) as u8;
        for (i, d) in digits.into_iter().enumerate() {
            b.push(if i == 2 { letter } else { b'0' + d as u8 });
        }
    }

    /// "2016-10-16 10:23:28": any second from 2010 to the generated span.
    fn date_time(&mut self, b: &mut Vec<u8>) {
        let day = self.int(0, (START_DAY - GECKO_FIRST_DAY) as u32 - 1);
        b.extend_from_slice(&date(GECKO_FIRST_DAY + day as i64));
        let second = self.int(0, 86_399);
        b.push(b' ');
        push_clock(b, second);
    }
}

/// "AppleWebKit/535.2 (KHTML, like Gecko)"
fn write_webkit(b: &mut Vec<u8>, version: [u32; 3]) {
    b.extend_from_slice(b"AppleWebKit/");
    write_version(b, version);
    b.extend_from_slice(b" (KHTML, like Gecko)");
}

/// "535.2" or "535.24.2": a third part of 0 means a two-part version (Chrome's), since
/// Safari's third part is never 0.
fn write_version(b: &mut Vec<u8>, [major, minor, patch]: [u32; 3]) {
    push_u64(b, major as u64);
    b.push(b'.');
    push_u64(b, minor as u64);
    if patch != 0 {
        b.push(b'.');
        push_u64(b, patch as u64);
    }
}
