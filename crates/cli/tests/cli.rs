//! The `xsell` binary end to end, on real data where it exists and on
//! small files written here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn xsell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xsell"))
}

/// Runs `cmd`, failing the test with its stderr unless it succeeds.
fn succeed(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// Writes a small two-pattern shop: (milk, cereal, bananas) and (pasta, sauce, cheese).
fn tiny_shop(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut train = String::from("session_id,item_id,event,timestamp,user\n");
    for s in 0..40 {
        let items: &[&str] = if s % 2 == 0 {
            &["milk", "cereal", "bananas"]
        } else {
            &["pasta", "sauce", "cheese"]
        };
        for (k, it) in items.iter().enumerate() {
            train.push_str(&format!(
                "s{s},{it},add_to_cart,{},u{}\n",
                s * 10 + k,
                s % 5
            ));
        }
    }
    let test = "session_id,item_id,event,timestamp\nt1,milk,add_to_cart,1000\nt1,cereal,add_to_cart,1001\nt1,bananas,add_to_cart,1002\nt2,pasta,add_to_cart,1003\nt2,sauce,add_to_cart,1004\n";
    let catalog = "id,title,category,price,in_stock\nmilk,Whole Milk,Dairy > Milk,1.99,true\ncereal,Corn Flakes,Breakfast,3.49,true\nbananas,Bananas,Produce > Fruit,0.99,true\npasta,Spaghetti,Pantry > Pasta,1.49,true\nsauce,Tomato Sauce,Pantry > Sauces,2.29,true\ncheese,Parmesan,Dairy > Cheese,5.99,true\n";
    let (t, e, c) = (
        dir.join("train.csv"),
        dir.join("test.csv"),
        dir.join("catalog.csv"),
    );
    std::fs::write(&t, train).unwrap();
    std::fs::write(&e, test).unwrap();
    std::fs::write(&c, catalog).unwrap();
    (t, e, c)
}

/// `xsell train` on `train` with `catalog` into `model` (plus `extra`
/// flags); panics with its stderr if it fails.
fn train_model(train: &Path, catalog: &Path, model: &Path, extra: &[&str]) {
    succeed(
        xsell()
            .arg("train")
            .args(extra)
            .arg("--events")
            .arg(train)
            .arg("--catalog")
            .arg(catalog)
            .arg("-o")
            .arg(model),
    );
}

#[test]
fn train_inspect_and_recommend_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let (train, _, catalog) = tiny_shop(dir.path());
    let model = dir.path().join("m.xsm");
    train_model(&train, &catalog, &model, &[]);
    let out = xsell()
        .args(["recommend", "--model"])
        .arg(&model)
        .args(["milk", "-n", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("");
    assert!(
        header.starts_with("placement: cart, decision: show (2 cards)"),
        "{text}"
    );
    let first = lines.next().unwrap_or("");
    assert!(
        first.contains("cereal") || first.contains("bananas"),
        "{text}"
    );
    assert!(
        first.contains("Often bought with Whole Milk")
            || first.contains("Often added after Whole Milk"),
        "{text}"
    );
    let out = xsell().arg("inspect").arg(&model).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("items: 6"), "{text}");
}

#[test]
fn the_ranking_layer_is_trained_kept_on_request_and_refused_without_tuning() {
    let dir = tempfile::tempdir().unwrap();
    let (train, _, catalog) = tiny_shop(dir.path());
    let inspect = |model: &Path| {
        let out = xsell().arg("inspect").arg(model).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let on = dir.path().join("on.xsm");
    train_model(&train, &catalog, &on, &["--ranker", "on"]);
    let text = inspect(&on);
    assert!(
        text.contains("ranking layer: ") && text.contains("trees over 17 features"),
        "{text}"
    );
    let off = dir.path().join("off.xsm");
    train_model(&train, &catalog, &off, &["--ranker", "off"]);
    assert!(inspect(&off).contains("ranking layer: none"));
    let out = xsell()
        .args(["train", "--no-tune", "--ranker", "on", "--events"])
        .arg(&train)
        .arg("-o")
        .arg(dir.path().join("x.xsm"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--ranker"), "{err}");
}

#[test]
fn eval_exact_form_writes_session_rec_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test, _) = tiny_shop(dir.path());
    let recs = dir.path().join("recs.csv");
    let out = succeed(
        xsell()
            .args(["eval", "--train"])
            .arg(&train)
            .arg("--test")
            .arg(&test)
            .arg("--save-recs")
            .arg(&recs),
    );
    let text = std::fs::read_to_string(&recs).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "SessionId;Position;Recommendations;Scores");
    // Position is the index of the prefix's last item (session-rec's
    // convention): t1 has 3 items -> positions 0, 1; t2 has 2 -> position 0.
    assert_eq!(lines.len(), 1 + 3);
    let keys: Vec<(&str, &str)> = lines[1..]
        .iter()
        .map(|l| {
            let mut f = l.split(';');
            (f.next().unwrap(), f.next().unwrap())
        })
        .collect();
    assert_eq!(keys, [("t1", "0"), ("t1", "1"), ("t2", "0")]);
    let row: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(row.len(), 4);
    let items: Vec<&str> = row[2].split(',').collect();
    let scores: Vec<f64> = row[3].split(',').map(|s| s.parse().unwrap()).collect();
    assert_eq!(items.len(), scores.len());
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first");
    // After milk, cereal (same pattern) must be ranked first and milk never recommended.
    assert_eq!((row[0], row[1], items[0]), ("t1", "0", "cereal"));
    assert!(!items.contains(&"milk"));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("| xsell (session only) | 1.0000 | 1.0000 |"),
        "{table}"
    );
}

#[test]
fn malformed_rows_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "session_id,item_id,event,timestamp\ns1,a,add_to_cart,1\ns1,b,add_to_kart,2\ns1,c,add_to_cart,3\ns2,a,add_to_cart,4\ns2,c,add_to_cart,5\n").unwrap();
    let model = dir.path().join("m.xsm");
    let out = xsell()
        .args(["train", "--no-tune", "--events"])
        .arg(&bad)
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:3")
            && err.contains("event")
            && err.contains("add_to_kart")
            && err.contains("--skip-bad-rows"),
        "{err}"
    );
    let out = succeed(
        xsell()
            .args(["train", "--no-tune", "--skip-bad-rows", "--events"])
            .arg(&bad)
            .arg("-o")
            .arg(&model),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1 malformed rows of 5"));
}

#[test]
fn corrupt_model_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let (train, _, _) = tiny_shop(dir.path());
    let model = dir.path().join("m.xsm");
    assert!(xsell()
        .args(["train", "--no-tune", "--events"])
        .arg(&train)
        .arg("-o")
        .arg(&model)
        .status()
        .unwrap()
        .success());
    let mut bytes = std::fs::read(&model).unwrap();
    let k = bytes.len() - 10;
    bytes[k] ^= 1;
    std::fs::write(&model, &bytes).unwrap();
    let out = xsell().arg("inspect").arg(&model).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("checksum mismatch") && err.contains("re-download"),
        "{err}"
    );
}

#[test]
fn trains_on_the_real_otto_sample() {
    let otto = data().join("otto/sample.jsonl");
    assert!(
        otto.exists(),
        "{} is missing: the tests need ../shared/data",
        otto.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("otto.xsm");
    succeed(
        xsell()
            .args(["train", "--events"])
            .arg(&otto)
            .arg("-o")
            .arg(&model),
    );
    let out = xsell().arg("inspect").arg(&model).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("trained on 20 sessions"), "{text}");
}

#[test]
fn a_bad_command_line_is_refused_before_any_work_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test, _) = tiny_shop(dir.path());
    // Tuning on the test set.
    let out = xsell()
        .args(["eval", "--train"])
        .arg(&train)
        .arg("--test")
        .arg(&test)
        .arg("--tune-train")
        .arg(&train)
        .arg("--tune-valid")
        .arg(&test)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: --test and --tune-valid name the same file")
            && err.contains("never see the test set"),
        "{err}"
    );
    // The retired environment variable is not silently ignored.
    let out = xsell()
        .env("XSELL_EXPONENTS", "0.5,0.25")
        .args(["train", "--events"])
        .arg(&train)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--exponents '0.5,0.25'"));
}

/// `xsell train --pair-counts`: a model from the counting SQL's table, its
/// links listed by `xsell inspect --links`, and the flags that need events
/// refused.
#[test]
fn a_model_is_built_from_pair_counts_and_its_links_listed() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("pairs.csv");
    std::fs::write(
        &pairs,
        "item_id,target_id,sessions,co,seq_units\nmilk,,4,,\ncereal,,3,,\nmilk,cereal,,3,2520\ncereal,milk,,3,0\n",
    )
    .unwrap();
    let model = dir.path().join("m.xsm");
    succeed(
        xsell()
            .arg("train")
            .arg("--pair-counts")
            .arg(&pairs)
            .arg("-o")
            .arg(&model),
    );
    let links = dir.path().join("links.tsv");
    succeed(
        xsell()
            .arg("inspect")
            .arg(&model)
            .arg("--links")
            .arg(&links),
    );
    let text = std::fs::read_to_string(&links).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(
        (rows[0][0], rows[0][1], rows[0][3]),
        ("cereal", "milk", "0")
    );
    assert_eq!((rows[1][0], rows[1][1]), ("milk", "cereal"));
    assert!(rows[1][2].parse::<f32>().unwrap() > 0.0 && rows[1][3].parse::<f32>().unwrap() > 0.0);
    for (flag, value) in [("--ranker", "on"), ("--exponents", "0.5,0.25;0.75,0.25")] {
        let out = xsell()
            .arg("train")
            .arg("--pair-counts")
            .arg(&pairs)
            .args([flag, value])
            .arg("-o")
            .arg(&model)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--pair-counts") && err.contains(flag),
            "{flag}: {err}"
        );
    }
    // A tuned model of a sample lends its scoring parameters.
    let (train, _, catalog) = tiny_shop(dir.path());
    let tuned = dir.path().join("tuned.xsm");
    train_model(&train, &catalog, &tuned, &[]);
    let lent = dir.path().join("lent.xsm");
    succeed(
        xsell()
            .arg("train")
            .arg("--pair-counts")
            .arg(&pairs)
            .arg("--params-from")
            .arg(&tuned)
            .arg("-o")
            .arg(&lent),
    );
    let params = |m: &Path| {
        let out = succeed(xsell().arg("inspect").arg(m));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with("params:"))
            .unwrap()
            .to_string()
    };
    assert_eq!(params(&lent), params(&tuned));
    assert_ne!(params(&lent), params(&model));
    let out = xsell()
        .arg("train")
        .arg("--events")
        .arg(&train)
        .arg("--params-from")
        .arg(&tuned)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `xsell serve --placements`: a bad config stops the server with the
/// placement and field named; a good one is served with an ETag.
#[test]
fn the_collector_serves_a_checked_placement_config() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"v":1,"placements":{"cart":{"slots":40}}}"#).unwrap();
    let out = xsell()
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("r.sqlite"))
        .arg("--placements")
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("bad.json") && err.contains("\"cart\"") && err.contains("slots"),
        "{err}"
    );

    let overlap = dir.path().join("experiments.json");
    let arms = r#"[{"name":"a","weight":1},{"name":"b","weight":1,"kind":"holdout"}]"#;
    std::fs::write(
        &overlap,
        format!(
            r#"{{"v":1,"experiments":[
            {{"name":"one","placement":"cart","start":"2026-12-01","end":"2026-12-20","arms":{arms}}},
            {{"name":"two","placement":"cart","start":"2026-12-15","end":"2026-12-31","arms":{arms}}}]}}"#
        ),
    )
    .unwrap();
    let out = xsell()
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("r.sqlite"))
        .arg("--experiments")
        .arg(&overlap)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("experiments.json") && err.contains("overlap"),
        "{err}"
    );

    let good = dir.path().join("placements.json");
    let text = r#"{"v":1,"placements":{"cart":{"slots":4,"blocked":["sku-9"]}}}"#;
    std::fs::write(&good, text).unwrap();
    let mut child = xsell()
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("r.sqlite"))
        .arg("--placements")
        .arg(&good)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let resp = ureq::get(&format!("{url}/placements.json")).call().unwrap();
    let etag = resp.header("etag").unwrap().to_string();
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.into_string().unwrap(), text);
    let again = ureq::get(&format!("{url}/placements.json"))
        .set("If-None-Match", &etag)
        .call()
        .unwrap();
    assert_eq!(again.status(), 304);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn experiment_files_are_written_checked_and_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("experiments.json");
    let add = |extra: &str| {
        xsell()
            .args(["experiment", "add"])
            .arg(&file)
            .args([
                "--placement",
                "cart",
                "--start",
                "2026-12-01",
                "--end",
                "2026-12-28",
            ])
            .args(extra.split(' '))
            .output()
            .unwrap()
    };
    let out = add("--name a --arm control=50:legacy --arm xsell=40");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("add up to 90, not 100"));
    assert!(!file.exists(), "nothing written");
    let out = add("--name a --arm control=50:legacy --arm grid=50:config=grid");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not have"));
    let out = add("--name a --arm control=50:legacy --arm xsell=50");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = add("--name b --arm x=50 --arm y=50:holdout");
    assert!(String::from_utf8_lossy(&out.stderr).contains("overlap"));
    let out = xsell()
        .args(["experiment", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("a on cart") && text.contains("50.0 %  legacy"),
        "{text}"
    );
    std::fs::write(&file, "{\"v\":1,\"experiments\":[{\"name\":\"x\"}]}").unwrap();
    let out = xsell()
        .args(["experiment", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));
}

#[test]
fn simulate_refuses_a_bad_command_line_before_any_work() {
    let d = data().join("instacart");
    let out = xsell()
        .args(["simulate", "--model", "missing.xsm", "--clients", "0"])
        .arg("--shoppers")
        .arg(d.join("train_valid.txt"))
        .arg("--demand")
        .arg(d.join("test.txt"))
        .arg("--orders")
        .arg(d.join("orders_sample.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--clients 0"));
    let out = xsell()
        .args(["simulate", "--model", "m.xsm", "--set", "atract=1"])
        .args(["--shoppers", "a", "--demand", "b", "--orders", "c"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("attract_demand"));
}

/// `xsell email` and `xsell attribution` as a data engineer runs them: the
/// outputs, and bad input named by file, line and field.
#[test]
fn email_and_attribution_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (train, _, _) = tiny_shop(dir.path());
    let catalog = dir.path().join("catalog-urls.csv");
    let mut rows = String::from("id,title,category,price,in_stock,url\n");
    for (id, title) in [
        ("milk", "Whole Milk"),
        ("cereal", "Corn Flakes"),
        ("bananas", "Bananas"),
        ("pasta", "Spaghetti"),
        ("sauce", "Tomato Sauce"),
        ("cheese", "Parmesan"),
    ] {
        rows.push_str(&format!("{id},{title},Food,1.99,true,/p/{id}\n"));
    }
    std::fs::write(&catalog, rows).unwrap();
    let model = dir.path().join("m.xsm");
    train_model(&train, &catalog, &model, &["--no-tune"]);
    let recipients = dir.path().join("r.csv");
    std::fs::write(
        &recipients,
        "recipient,order,time,item\nann@mail.example,1,2026-11-20T10:00:00Z,milk\nbob@mail.example,2,2026-11-21T10:00:00Z,pasta\nbob@mail.example,2,2026-11-21T10:00:00Z,ghost\n",
    )
    .unwrap();
    let out = dir.path().join("campaign");
    let email = |flags: &[&str]| {
        xsell()
            .args(["email", "--model"])
            .arg(&model)
            .arg("--recipients")
            .arg(&recipients)
            .args(flags)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap()
    };
    let run = email(&[
        "--campaign",
        "spring",
        "--shop-url",
        "https://shop.example",
        "--control",
        "0",
        "--slots",
        "2",
        "--now",
        "2026-12-01T00:00:00Z",
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(
        err.contains("2 recipients") && err.contains("ghost"),
        "{err}"
    );
    let merge = std::fs::read_to_string(out.join("merge.csv")).unwrap();
    assert!(merge.starts_with("block,arm,slot,item,title,url,image,price,reason"));
    assert!(!merge.contains("mail.example"));
    let assignments = std::fs::read_to_string(out.join("assignments.csv")).unwrap();
    assert!(
        assignments.contains("ann@mail.example,xsell,b000001"),
        "{assignments}"
    );
    // A usage error: status 2 and what to do.
    let bad = email(&[
        "--campaign",
        "Spring Sale",
        "--shop-url",
        "https://shop.example",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--campaign"));
    // Attribution: a good summary, then a bad row.
    let paths = dir.path().join("paths.csv");
    std::fs::write(
        &paths,
        "path,total_conversions,total_conversion_value,total_null\nemail > search,3,30,10\nsearch,1,9,2\n",
    )
    .unwrap();
    let run = xsell()
        .args(["attribution", "--json", "--paths"])
        .arg(&paths)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["channels"].as_array().unwrap().len(), 2);
    std::fs::write(
        &paths,
        "path,total_conversions,total_conversion_value,total_null\nemail > search,3,30,10\nsearch,-1,9,2\n",
    )
    .unwrap();
    let run = xsell()
        .args(["attribution", "--paths"])
        .arg(&paths)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        err.contains("paths.csv:3: field `total_conversions`"),
        "{err}"
    );
}
