use super::*;

const OUTPUT: &str = "Running 10s test @ http://127.0.0.1:8080/api/v1/summary
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.23ms  400.00us   9.10ms   80.00%
    Req/Sec     6.50k   300.00     7.00k    70.00%
  Latency Distribution
     50%  812.00us
     75%    1.30ms
     90%    1.60ms
     99%    3.20ms
  130012 requests in 10.00s, 45.67MB read
  Non-2xx or 3xx responses: 12
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:  13001.20
Transfer/sec:      4.56MB
";

#[test]
fn reads_the_report() {
    let r = parse(OUTPUT, "/api/v1/summary".into()).unwrap();
    assert_eq!(r.requests_per_s, 13001.2);
    assert_eq!(r.requests, 130012);
    assert_eq!(r.p50_ms, 0.812);
    assert_eq!(r.p99_ms, 3.2);
    assert_eq!(r.errors, 15);
}

#[test]
fn incomplete_output_is_none() {
    assert!(parse("Running 10s test", String::new()).is_none());
}
