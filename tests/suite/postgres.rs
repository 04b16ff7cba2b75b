//! LiteLLM's own database as a log source (issue 23, item 2), against a real throwaway Postgres
//! (Debian's server programs: initdb and pg_ctl on a Unix socket in a temp dir; `.ci/run`
//! installs them when missing) holding `LiteLLM_SpendLogs` with the proxy's own column names and
//! types: the fit read from the database equals the fit of the table's CSV export; a time range,
//! the daily rollups, and every failure a user meets (wrong password, no table, a missing
//! column, a server gone mid-read) with a clear message, the right exit code and nothing written.

use std::path::{Path, PathBuf};
use std::process::Command;

use costplan::logs::LogError;
use costplan::logs::fit::{FitOptions, fit};
use costplan::logs::read::postgres::{DailyTable, DbQuery, read_database};
use costplan::logs::read::watch::{ReadControl, ReadProgress};
use costplan::logs::read::{read_files, read_sources};
use costplan::logs::synth::{SynthFormat, SynthSpec, generate, write};

const PASSWORD: &str = "s3cret-pw";

/// A throwaway Postgres server on a Unix socket in a temp dir; stopped when dropped.
struct Server {
    dir: tempfile::TempDir,
    bin: PathBuf,
    root: bool,
}

/// The folder of Postgres's server programs (the newest Debian installs, else on the PATH).
fn server_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    found.retain(|b| b.join("initdb").is_file());
    found.sort();
    match found.pop() {
        Some(b) => b,
        None => {
            let out = Command::new("sh").args(["-c", "command -v initdb"]).output().unwrap();
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert!(
                !p.is_empty(),
                "PostgreSQL's server programs are not installed (apt-get install postgresql; .ci/run does it)"
            );
            Path::new(&p).parent().unwrap().to_path_buf()
        }
    }
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let root = String::from_utf8_lossy(&Command::new("id").arg("-u").output().unwrap().stdout).trim() == "0";
        let s = Server {
            dir,
            bin: server_bin(),
            root,
        };
        std::fs::write(s.path("pw"), PASSWORD).unwrap();
        if root {
            // The server refuses to run as root: it runs as Debian's `postgres` user.
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(s.dir.path())
                .status()
                .unwrap();
            assert!(ok.success());
        }
        s.run(
            "initdb",
            &[
                "-D",
                &s.path("data"),
                "-U",
                "costplan",
                "--pwfile",
                &s.path("pw"),
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let opts = format!(
            "-k {} -c listen_addresses= -p 5432 -c fsync=off",
            s.dir.path().display()
        );
        s.run(
            "pg_ctl",
            &["-D", &s.path("data"), "-l", &s.path("log"), "-w", "-o", &opts, "start"],
        );
        s
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// A server program, run as Debian's `postgres` user when the tests run as root.
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self, password: &str) -> String {
        format!(
            "postgresql://costplan:{password}@/postgres?host={}&port=5432",
            self.dir.path().display()
        )
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(PASSWORD), postgres::NoTls).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.path("data");
        let _ = self
            .command("pg_ctl")
            .args(["-D", data.as_str(), "-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// `LiteLLM_SpendLogs` as LiteLLM's Prisma schema makes it (quoted names, its types).
const SPEND_LOGS: &str = r#"CREATE TABLE "LiteLLM_SpendLogs" (
    "request_id" TEXT PRIMARY KEY, "call_type" TEXT NOT NULL, "api_key" TEXT NOT NULL DEFAULT '',
    "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0, "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0, "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "startTime" TIMESTAMP(3) NOT NULL, "endTime" TIMESTAMP(3) NOT NULL, "request_duration_ms" INTEGER,
    "completionStartTime" TIMESTAMP(3), "model" TEXT NOT NULL DEFAULT '', "model_id" TEXT DEFAULT '',
    "model_group" TEXT DEFAULT '', "custom_llm_provider" TEXT DEFAULT '', "api_base" TEXT DEFAULT '',
    "user" TEXT DEFAULT '', "metadata" JSONB DEFAULT '{}', "cache_hit" TEXT DEFAULT '', "cache_key" TEXT DEFAULT '',
    "request_tags" JSONB DEFAULT '[]', "team_id" TEXT, "organization_id" TEXT, "end_user" TEXT,
    "requester_ip_address" TEXT, "messages" JSONB DEFAULT '{}', "response" JSONB DEFAULT '{}',
    "session_id" TEXT, "status" TEXT, "mcp_namespaced_tool_name" TEXT, "agent_id" TEXT,
    "proxy_server_request" JSONB DEFAULT '{}');
CREATE INDEX ON "LiteLLM_SpendLogs" ("startTime");
CREATE INDEX ON "LiteLLM_SpendLogs" ("startTime", "request_id");"#;

/// A month of the support bot's spend logs loaded into the table, with the bulky price metadata
/// real rows carry; the synthetic rows.
fn loaded(s: &Server, tasks_per_day: f64) -> Vec<costplan::logs::synth::SynthRow> {
    let mut c = s.client();
    c.batch_execute(SPEND_LOGS).unwrap();
    let spec = SynthSpec::example(tasks_per_day);
    let rows = generate(&spec);
    let csv = write(&spec, &rows, SynthFormat::LiteLlmCsv);
    let mut w = c
        .copy_in(
            r#"COPY "LiteLLM_SpendLogs" ("request_id", "call_type", "spend", "prompt_tokens", "completion_tokens",
               "startTime", "endTime", "completionStartTime", "model", "model_group", "custom_llm_provider", "user",
               "team_id", "end_user", "request_tags", "cache_hit", "status", "session_id", "metadata")
               FROM STDIN WITH (FORMAT csv, HEADER true)"#,
        )
        .unwrap();
    std::io::Write::write_all(&mut w, csv.as_bytes()).unwrap();
    w.finish().unwrap();
    c.batch_execute(
        r#"UPDATE "LiteLLM_SpendLogs" SET "metadata" = "metadata" || jsonb_build_object('model_map_information', repeat('x', 4000))"#,
    )
    .unwrap();
    rows
}

/// The table exported as a psql user would (`\copy (SELECT * …) TO … CSV HEADER`).
fn export_csv(s: &Server, to: &Path) {
    let mut c = s.client();
    let mut r = c
        .copy_out(r#"COPY (SELECT * FROM "LiteLLM_SpendLogs" ORDER BY "startTime", "request_id") TO STDOUT WITH (FORMAT csv, HEADER true)"#)
        .unwrap();
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut r, &mut text).unwrap();
    std::fs::write(to, text).unwrap();
}

#[test]
fn a_fit_from_litellms_database_equals_the_fit_of_its_csv_export() {
    let s = Server::start();
    let rows = loaded(&s, 150.0);
    let csv = s.dir.path().join("export.csv");
    export_csv(&s, &csv);
    let from_csv = read_files(&[csv.as_path()]).unwrap();
    let reports = std::cell::RefCell::new(Vec::new());
    let progress = |p: ReadProgress| reports.borrow_mut().push(p);
    let url = s.url(PASSWORD);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let ctl = ReadControl {
        stop: &stop,
        progress: &progress,
    };
    let from_db = read_sources(&[Path::new(&url)], &DbQuery::default(), &ctl).unwrap();
    assert_eq!(from_db.records.len(), rows.len());
    assert_eq!(from_db.records.len(), from_csv.records.len());
    // Progress as it went, with the planner's estimate of the rows (from the table's
    // statistics: within a factor of two of the truth here), ending at every row read.
    let reports = reports.into_inner();
    let last = reports.last().unwrap();
    assert_eq!(last.rows, rows.len() as u64 + 1, "the rows and the header line");
    let estimate = last.total_rows_estimate.expect("the server's estimate");
    assert!(
        estimate > 0.5 * rows.len() as f64 && estimate < 2.0 * rows.len() as f64,
        "{estimate}"
    );
    assert!(costplan::report::format::read_progress(&reports[0], 2.0).contains(" of about "));

    let opts = FitOptions {
        owner_by: Some("team".into()),
        ..Default::default()
    };
    let (a, b) = (fit(&from_db, &opts), fit(&from_csv, &opts));
    assert_eq!(a.profile, b.profile);
    assert_eq!(a.models, b.models);
    // The header names the database without its password.
    let ron = a.to_ron(&from_db).unwrap();
    assert!(ron.contains(r#"(table "LiteLLM_SpendLogs")"#), "{ron}");
    assert!(!ron.contains(PASSWORD));
    // A week of it: only the rows of those days.
    let q = DbQuery {
        since: costplan::date::Date::parse("2025-10-06"),
        until: costplan::date::Date::parse("2025-10-12"),
        daily: None,
    };
    let mut week = costplan::logs::Logs::default();
    read_database(&url, &q, &mut week, &Default::default(), &ReadControl::none()).unwrap();
    let lo = 1_759_708_800_000i64; // 2025-10-06 00:00 UTC
    let want = rows
        .iter()
        .filter(|r| (lo..lo + 7 * 86_400_000).contains(&r.start_unix_ms))
        .count();
    assert_eq!(week.records.len(), want);
}

#[test]
fn the_daily_rollups_are_read_as_the_server_aggregated_them() {
    let s = Server::start();
    let rows = loaded(&s, 100.0);
    let mut c = s.client();
    // LiteLLM's team rollup, filled from the spend logs as the proxy's job does.
    c.batch_execute(
        r#"CREATE TABLE "LiteLLM_DailyTeamSpend" ("id" TEXT PRIMARY KEY, "team_id" TEXT, "date" TEXT NOT NULL,
             "api_key" TEXT NOT NULL, "model" TEXT, "model_group" TEXT, "custom_llm_provider" TEXT,
             "mcp_namespaced_tool_name" TEXT, "endpoint" TEXT, "prompt_tokens" BIGINT NOT NULL DEFAULT 0,
             "completion_tokens" BIGINT NOT NULL DEFAULT 0, "cache_read_input_tokens" BIGINT NOT NULL DEFAULT 0,
             "cache_creation_input_tokens" BIGINT NOT NULL DEFAULT 0, "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0,
             "api_requests" BIGINT NOT NULL DEFAULT 0, "successful_requests" BIGINT NOT NULL DEFAULT 0,
             "failed_requests" BIGINT NOT NULL DEFAULT 0, "created_at" TIMESTAMP(3) NOT NULL DEFAULT now(),
             "updated_at" TIMESTAMP(3) NOT NULL DEFAULT now());
           INSERT INTO "LiteLLM_DailyTeamSpend" ("id", "team_id", "date", "api_key", "model", "model_group",
             "prompt_tokens", "completion_tokens", "spend", "api_requests")
           SELECT md5("team_id" || "startTime"::date::text), "team_id", "startTime"::date::text, '', max("model"),
             max("model_group"), sum("prompt_tokens"), sum("completion_tokens"), sum("spend"), count(*)
           FROM "LiteLLM_SpendLogs" GROUP BY "team_id", "startTime"::date;"#,
    )
    .unwrap();
    let q = DbQuery {
        daily: Some(DailyTable::Team),
        ..Default::default()
    };
    let mut logs = costplan::logs::Logs::default();
    read_database(
        &s.url(PASSWORD),
        &q,
        &mut logs,
        &Default::default(),
        &ReadControl::none(),
    )
    .unwrap();
    assert!(!logs.per_request());
    let requests: f64 = logs.records.iter().map(|r| r.requests).sum();
    assert_eq!(requests, rows.len() as f64);
    let f = fit(
        &logs,
        &FitOptions {
            class_by: Some("team".into()),
            ..Default::default()
        },
    );
    let mut names: Vec<&str> = f.profile.classes.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["finance", "support"]);
}

fn costplan_cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_costplan"))
}

#[test]
fn database_failures_are_clear_exit_1_or_2_and_write_nothing() {
    let s = Server::start();
    let out = s.dir.path().join("traffic.ron");
    let fit_from = |url: &str| {
        let o = costplan_cli()
            .args(["traffic", "fit", url, "-o"])
            .arg(&out)
            .output()
            .unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    // A wrong password: exit 1, the server's reason, never the password.
    let (code, e) = fit_from(&s.url("not-the-password"));
    assert_eq!(code, Some(1), "{e}");
    assert!(
        e.contains("cannot connect") && e.contains("password authentication failed"),
        "{e}"
    );
    assert!(!e.contains("not-the-password"), "{e}");
    // No LiteLLM table: exit 2, named.
    let (code, e) = fit_from(&s.url(PASSWORD));
    assert_eq!(code, Some(2), "{e}");
    assert!(e.contains(r#"no table "LiteLLM_SpendLogs""#), "{e}");
    assert!(!e.contains(PASSWORD), "{e}");
    // A table without a column the fit needs: exit 2, the column named.
    s.client()
        .batch_execute(r#"CREATE TABLE "LiteLLM_SpendLogs" ("request_id" TEXT, "startTime" TIMESTAMP(3), "model" TEXT, "completion_tokens" INTEGER)"#)
        .unwrap();
    let (code, e) = fit_from(&s.url(PASSWORD));
    assert_eq!(code, Some(2), "{e}");
    assert!(e.contains(r#"missing required column "prompt_tokens""#), "{e}");
    assert!(!out.exists());
    // The server goes away mid-read: the read stops with how far it got.
    s.client().batch_execute(r#"DROP TABLE "LiteLLM_SpendLogs""#).unwrap();
    loaded(&s, 1500.0);
    // 45,000 rows, stopped at the first report (10,000 rows in): nothing kept, said as such.
    let (stop, url) = (std::sync::atomic::AtomicBool::new(false), s.url(PASSWORD));
    let stopping = |_: ReadProgress| stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let ctl = ReadControl {
        stop: &stop,
        progress: &stopping,
    };
    let e = read_sources(&[Path::new(&url)], &DbQuery::default(), &ctl).unwrap_err();
    assert!(
        matches!(e, LogError::Stopped { rows } if rows < 40_000),
        "stopped early: {e}"
    );
    assert!(e.to_string().contains("nothing was fitted or written"), "{e}");
    let killer = s.client();
    let killer = std::cell::RefCell::new(killer);
    let mut logs = costplan::logs::Logs::default();
    let kill = |_: ReadProgress| {
        // After the first chunk, end every other session (as a restart or a failover would).
        let _ = killer
            .borrow_mut()
            .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'", &[]);
    };
    let ctl = ReadControl {
        stop: &std::sync::atomic::AtomicBool::new(false),
        progress: &kill,
    };
    let e = read_database(
        &s.url(PASSWORD),
        &DbQuery::default(),
        &mut logs,
        &Default::default(),
        &ctl,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("the read stopped after ") && e.contains("rows (the connection was lost?)"),
        "{e}"
    );
    assert!(
        logs.records.len() >= 10_000,
        "the rows before the loss were read: {}",
        logs.records.len()
    );
    assert!(!e.contains(PASSWORD), "{e}");
}
