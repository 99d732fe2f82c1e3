//! The REST API's write routes (rest-api.md §7.4, §7.7 `pending`, §7.1 registrar state, the
//! wallet address routes of §7.8), served over a [`Registrar`], and the `pending` answer of
//! §7.3's name lookup for a name in its queue ([`with_reads`]).
//!
//! Request bodies follow the original's schemas (unknown fields are refused); replies carry
//! the original's status codes and messages. Where this differs from the v0.18 daemon:
//!
//! * app-session tokens are not accepted: privileged routes take the API password (from a
//!   whitelisted `Origin`) only;
//! * `owner_key` / `payment_key` in a body are refused: the daemon signs with its wallet;
//! * `make_profile` is accepted and ignored (there are no storage drivers);
//! * the daemon's keys and password are fixed while it runs: `PUT /v1/wallet/keys[/{id}]` and
//!   `PUT /v1/wallet/password` answer 501 (restart the daemon with the new wallet instead);
//! * a name in the path that is not a valid name is 400 `{"error": "Invalid name or subdomain"}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use base64::Engine as _;
use blockstack_api::rest::PyJson;
use blockstack_consensus::name::is_name_valid;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::actions::{Actions, RegisterRequest, RenewRequest};
use crate::auth::Auth;
use crate::queue::{Job, QueueError, Stage};
use crate::registrar::{Registrar, SubmitError};

/// The longest zonefile text a request may carry (the original client's limit).
pub const MAX_ZONEFILE_LEN: usize = 4096;

/// The wallet as the wallet routes show it.
#[derive(Debug, Clone, Default)]
pub struct WalletInfo {
    /// What `GET /v1/wallet/keys` answers: addresses, the data public key and the private
    /// keys in the original's forms.
    pub keys: Value,
    /// Confirmations a UTXO needs by default (balance and withdrawals).
    pub min_confs: u32,
    /// The payment address.
    pub payment_address: String,
    /// The owner address.
    pub owner_address: String,
    /// The data public key (hex), if the wallet has one.
    pub data_pubkey: Option<String>,
}

/// What the write routes serve from.
pub struct WriteApi<A> {
    /// The registrar.
    pub registrar: Arc<Registrar<A>>,
    /// Who may call privileged routes.
    pub auth: Auth,
    /// The wallet's addresses.
    pub wallet: WalletInfo,
}

/// The write routes, to be merged with the read routes (`blockstack_api::rest::routes`) and
/// wrapped in the same transport (`blockstack_api::rest::app`).
pub fn routes<A: Actions>(api: Arc<WriteApi<A>>) -> Router {
    Router::new()
        .route("/v1/names", post(post_names::<A>))
        .route("/v1/names/{name}", axum::routing::delete(delete_name::<A>))
        .route("/v1/names/{name}/owner", put(put_owner::<A>))
        .route("/v1/names/{name}/zonefile", put(put_zonefile::<A>))
        .route("/v1/zonefile", post(post_zonefile::<A>))
        .route("/v1/node/registrar/state", get(registrar_state::<A>))
        .route("/v1/blockchains/bitcoin/pending", get(pending::<A>))
        .route("/v1/wallet/payment_address", get(payment_address::<A>))
        .route("/v1/wallet/owner_address", get(owner_address::<A>))
        .route("/v1/wallet/data_pubkey", get(data_pubkey::<A>))
        .route(
            "/v1/wallet/balance",
            get(balance_default::<A>).post(withdraw::<A>),
        )
        .route("/v1/wallet/balance/{minconfs}", get(balance::<A>))
        .route("/v1/wallet/keys", get(keys::<A>).put(unsupported::<A>))
        .route("/v1/wallet/keys/{id}", put(unsupported::<A>))
        .route("/v1/wallet/password", put(unsupported::<A>))
        .with_state(api)
}

/// The read routes `reads` (`blockstack_api::rest::routes`) merged with the write routes over
/// `api`, where `GET /v1/names/{name}` first asks the queue, as the original's lookup does
/// (rest-api.md §7.3): a name with a job in it is answered `{"status": "pending", "operation",
/// "txid", "confirmations"}`, and a queue that cannot be read is 500 `Failed to connect to
/// backend`. Any other name goes on to the read route.
pub fn with_reads<A: Actions>(reads: Router, api: Arc<WriteApi<A>>) -> Router {
    reads
        .merge(routes(api.clone()))
        .layer(axum::middleware::from_fn_with_state(
            api,
            pending_lookup::<A>,
        ))
}

type Api<A> = State<Arc<WriteApi<A>>>;

async fn pending_lookup<A: Actions>(State(api): Api<A>, req: Request, next: Next) -> Response {
    let name = (req.method() == Method::GET)
        .then(|| looked_up_name(req.uri().path()))
        .flatten();
    if let Some(name) = name {
        match pending_status(&api, &name).await {
            Ok(Some(status)) => return PyJson(status).into_response(),
            Ok(None) => {}
            Err(err) => {
                tracing::error!(%name, error = %err, "cannot read the registrar queue");
                let body = PyJson(json!({"error": "Failed to connect to backend"}));
                return (StatusCode::INTERNAL_SERVER_ERROR, body).into_response();
            }
        }
    }
    next.run(req).await
}

/// The name of a `GET /v1/names/{name}` path, percent-decoded; `None` for any other path.
fn looked_up_name(path: &str) -> Option<String> {
    let segment = path.strip_prefix("/v1/names/")?;
    if segment.is_empty() || segment.contains('/') {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()?;
    Some(decoded.into_owned())
}

/// What `GET /v1/names/{name}` answers for a name the queue is working on, `None` for one it
/// is not.
async fn pending_status<A: Actions>(
    api: &WriteApi<A>,
    name: &str,
) -> Result<Option<Value>, QueueError> {
    let jobs = api.registrar.queue().jobs_of(name)?;
    let Some(job) = jobs.iter().find(|job| !superseded(job, &jobs)) else {
        return Ok(None);
    };
    Ok(Some(json!({
        "status": "pending",
        "operation": job.stage.as_str(),
        "txid": job.tx.txid,
        "confirmations": confirmations(api, &job.tx.txid).await,
    })))
}

/// Whether `job` is a preorder whose registration is queued too: the queues then show the
/// registration alone, as the original's do.
fn superseded(job: &Job, jobs: &[Job]) -> bool {
    job.stage == Stage::Preorder
        && jobs
            .iter()
            .any(|j| j.name == job.name && j.stage == Stage::Register)
}

/// The confirmations of `txid`, 0 while the chain does not know it (or cannot be asked).
async fn confirmations<A: Actions>(api: &WriteApi<A>, txid: &str) -> u32 {
    api.registrar
        .actions()
        .confirmations(txid)
        .await
        .ok()
        .flatten()
        .unwrap_or(0)
}

/// A refusal: a status and an `{"error": ...}` body, or an empty body.
struct Reject {
    status: StatusCode,
    message: Option<String>,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        match self.message {
            Some(message) => (self.status, PyJson(json!({ "error": message }))).into_response(),
            None => (self.status, "").into_response(),
        }
    }
}

type Reply = Result<Response, Reject>;

fn error(status: StatusCode, message: impl Into<String>) -> Reject {
    Reject {
        status,
        message: Some(message.into()),
    }
}

fn invalid_request() -> Reject {
    error(StatusCode::UNAUTHORIZED, "Invalid request")
}

/// The original's answer to an unauthorized request: 403 with an empty body.
fn guard<A>(api: &WriteApi<A>, headers: &HeaderMap) -> Result<(), Reject> {
    if api.auth.allows(headers) {
        Ok(())
    } else {
        Err(Reject {
            status: StatusCode::FORBIDDEN,
            message: None,
        })
    }
}

fn check_name(name: &str) -> Result<(), Reject> {
    if is_name_valid(name) {
        Ok(())
    } else {
        Err(error(StatusCode::BAD_REQUEST, "Invalid name or subdomain"))
    }
}

fn parse_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Reject> {
    serde_json::from_slice(body).map_err(|_| invalid_request())
}

fn is_base58check(address: &str) -> bool {
    bitcoin::base58::decode_check(address).is_ok_and(|bytes| bytes.len() == 21)
}

fn queued(txid: &str, message: &str, extra: Option<(&str, Value)>) -> Reply {
    let mut body = Map::new();
    body.insert("success".into(), Value::Bool(true));
    body.insert("transaction_hash".into(), Value::String(txid.into()));
    body.insert("message".into(), Value::String(message.into()));
    if let Some((key, value)) = extra {
        body.insert(key.into(), value);
    }
    Ok((StatusCode::ACCEPTED, PyJson(Value::Object(body))).into_response())
}

fn failed(status: StatusCode, what: &str, err: &SubmitError) -> Reject {
    error(status, format!("{what} failed.\n{err}"))
}

/// Keys of a body that are private keys; the daemon does not take them.
fn refuse_keys(owner_key: &Option<Value>, payment_key: &Option<Value>) -> Result<(), Reject> {
    if owner_key.is_some() || payment_key.is_some() {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "owner_key and payment_key are not accepted: this daemon signs with its wallet",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NamesBody {
    name: String,
    zonefile: Option<String>,
    owner_address: Option<String>,
    min_confs: Option<i64>,
    tx_fee: Option<u64>,
    cost_satoshis: Option<u64>,
    make_profile: Option<bool>,
    #[serde(rename = "unsafe")]
    unsafe_reg: Option<bool>,
    owner_key: Option<Value>,
    payment_key: Option<Value>,
}

const REGISTER_MESSAGE: &str = "Name queued for registration.  The process takes several hours.  You can check the status with `blockstack info`.";

async fn post_names<A: Actions>(State(api): Api<A>, headers: HeaderMap, body: Bytes) -> Reply {
    guard(&api, &headers)?;
    let body: NamesBody = parse_body(&body)?;
    let well_formed = is_name_valid(&body.name)
        && body
            .zonefile
            .as_ref()
            .is_none_or(|z| z.len() <= MAX_ZONEFILE_LEN)
        && body.owner_address.as_deref().is_none_or(is_base58check)
        && body.tx_fee.is_none_or(|fee| fee <= 500_000)
        && body.min_confs.is_none_or(|n| n >= 0);
    if !well_formed {
        return Err(invalid_request());
    }
    refuse_keys(&body.owner_key, &body.payment_key)?;
    let registrar = &api.registrar;
    let status = match registrar.actions().name_status(&body.name).await {
        Ok(status) => status,
        Err(err) => {
            return Err(failed(
                StatusCode::INTERNAL_SERVER_ERROR,
                "register",
                &err.into(),
            ))
        }
    };
    let min_confs = body.min_confs.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let zonefile = body.zonefile.map(String::into_bytes);
    if status.owned_by_wallet {
        let not_for_renewal = [
            ("tx_fee", body.tx_fee.is_some()),
            ("cost_satoshis", body.cost_satoshis.is_some()),
            ("make_profile", body.make_profile.is_some()),
            ("unsafe", body.unsafe_reg.is_some()),
        ];
        if let Some((field, _)) = not_for_renewal.iter().find(|(_, given)| *given) {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                format!(
                    "Name already owned by this wallet and `{field}` is an invalid argument for renewal"
                ),
            ));
        }
        let request = RenewRequest {
            name: body.name,
            new_owner: body.owner_address,
            zonefile,
            min_confs,
        };
        return match registrar.renew(request).await {
            Ok(s) => queued(&s.txid, REGISTER_MESSAGE, None),
            Err(err) => Err(failed(StatusCode::INTERNAL_SERVER_ERROR, "renew", &err)),
        };
    }
    let request = RegisterRequest {
        name: body.name,
        zonefile,
        transfer_address: body.owner_address,
        min_confs,
        cost_satoshis: body.cost_satoshis,
        unsafe_reg: body.unsafe_reg.unwrap_or(false),
    };
    match registrar.register(request).await {
        Ok(s) => queued(&s.txid, REGISTER_MESSAGE, None),
        Err(err) => Err(failed(StatusCode::INTERNAL_SERVER_ERROR, "register", &err)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnerBody {
    owner: String,
    tx_fee: Option<u64>,
    owner_key: Option<Value>,
    payment_key: Option<Value>,
}

async fn put_owner<A: Actions>(
    State(api): Api<A>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    guard(&api, &headers)?;
    check_name(&name)?;
    let body: OwnerBody = parse_body(&body)?;
    if body.tx_fee.is_some_and(|fee| fee > 500_000) {
        return Err(invalid_request());
    }
    if !is_base58check(&body.owner) {
        return Err(error(StatusCode::UNAUTHORIZED, "Invalid owner address"));
    }
    refuse_keys(&body.owner_key, &body.payment_key)?;
    match api.registrar.transfer(&name, &body.owner).await {
        Ok(s) => queued(
            &s.txid,
            "Name queued for transfer.  The process takes ~1 hour.  You can check the status with `blockstack info`.",
            None,
        ),
        Err(err) => Err(failed(StatusCode::INTERNAL_SERVER_ERROR, "Transfer", &err)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZonefileBody {
    zonefile: Option<String>,
    zonefile_b64: Option<String>,
    zonefile_hash: Option<String>,
    tx_fee: Option<u64>,
    owner_key: Option<Value>,
    payment_key: Option<Value>,
}

fn decode_b64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

async fn put_zonefile<A: Actions>(
    State(api): Api<A>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    guard(&api, &headers)?;
    check_name(&name)?;
    let body: ZonefileBody = parse_body(&body)?;
    if body.tx_fee.is_some_and(|fee| fee > 500_000) {
        return Err(invalid_request());
    }
    refuse_keys(&body.owner_key, &body.payment_key)?;
    let zonefile = match (body.zonefile, body.zonefile_b64, &body.zonefile_hash) {
        (Some(text), None, None) if text.len() <= MAX_ZONEFILE_LEN => Some(text.into_bytes()),
        (None, Some(b64), None) => match decode_b64(&b64) {
            Some(bytes) if bytes.len() <= MAX_ZONEFILE_LEN => Some(bytes),
            _ => return Err(invalid_request()),
        },
        (None, None, Some(hash))
            if hash.len() == 40 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            None
        }
        _ => return Err(invalid_request()),
    };
    let hash = body.zonefile_hash.map(|h| h.to_ascii_lowercase());
    match api.registrar.update(&name, zonefile, hash).await {
        Ok(s) => queued(
            &s.txid,
            "Name queued for update.  The process takes ~1 hour.  You can check the status with `blockstack info`.",
            Some(("zonefile_hash", json!(s.zonefile_hash))),
        ),
        Err(err) => Err(failed(StatusCode::SERVICE_UNAVAILABLE, "Update", &err)),
    }
}

async fn delete_name<A: Actions>(
    State(api): Api<A>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Reply {
    guard(&api, &headers)?;
    check_name(&name)?;
    match api.registrar.revoke(&name).await {
        Ok(s) => queued(
            &s.txid,
            "Name queued for revocation.  The process takes ~1 hour.  You can check the status with `blockstack info`.",
            None,
        ),
        Err(err) => Err(failed(StatusCode::INTERNAL_SERVER_ERROR, "Revoke", &err)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    zonefile: Option<String>,
    zonefile_b64: Option<String>,
}

/// `POST /v1/zonefile`: public; hands a zonefile whose hash is on chain to the node.
async fn post_zonefile<A: Actions>(State(api): Api<A>, body: Bytes) -> Reply {
    let body: PublishBody = parse_body(&body)?;
    let bytes = match (body.zonefile, body.zonefile_b64) {
        (Some(text), None) if text.len() > MAX_ZONEFILE_LEN => {
            return Err(error(StatusCode::UNAUTHORIZED, "maxLength"))
        }
        (Some(text), None) => text.into_bytes(),
        (None, Some(b64)) => match decode_b64(&b64) {
            Some(bytes) => bytes,
            None => return Err(invalid_request()),
        },
        _ => return Err(invalid_request()),
    };
    match api.registrar.actions().push_zonefile(&bytes).await {
        Ok(servers) if !servers.is_empty() => {
            Ok(PyJson(json!({"status": true, "servers": servers})).into_response())
        }
        _ => Err(error(
            StatusCode::UNAUTHORIZED,
            "Failed to publish zonefile to all backend providers",
        )),
    }
}

/// `GET /v1/node/registrar/state`: every queue row.
async fn registrar_state<A: Actions>(State(api): Api<A>, headers: HeaderMap) -> Reply {
    guard(&api, &headers)?;
    match api.registrar.queue().all() {
        Ok(jobs) => Ok(PyJson(jobs.iter().map(state_row).collect::<Vec<_>>()).into_response()),
        Err(err) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())),
    }
}

/// One row as `/v1/node/registrar/state` shows it: its data, plus `fqu`, `type`, `tx_hash`,
/// the zonefile text and any errors.
pub fn state_row(job: &Job) -> Value {
    let mut row = match serde_json::to_value(&job.data) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let zonefile = job
        .data
        .zonefile_b64
        .as_deref()
        .and_then(decode_b64)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    row.insert("fqu".into(), json!(job.name));
    row.insert("type".into(), json!(job.stage.as_str()));
    row.insert("tx_hash".into(), json!(job.tx.txid));
    row.insert("zonefile".into(), json!(zonefile));
    if !job.errors.is_empty() {
        row.insert("errors".into(), json!(job.errors));
    }
    Value::Object(row)
}

/// `GET /v1/blockchains/bitcoin/pending`: the non-empty queues with each row's confirmations.
async fn pending<A: Actions>(State(api): Api<A>) -> Reply {
    let jobs = match api.registrar.queue().all() {
        Ok(jobs) => jobs,
        Err(err) => return Err(error(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())),
    };
    let mut queues: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    for job in &jobs {
        if superseded(job, &jobs) {
            continue;
        }
        let mut entry = json!({
            "name": job.name,
            "tx_hash": job.tx.txid,
            "confirmations": confirmations(&api, &job.tx.txid).await,
        });
        if !job.errors.is_empty() {
            entry["errors"] = json!(job.errors);
        }
        queues.entry(job.stage.as_str()).or_default().push(entry);
    }
    Ok(PyJson(json!({ "queues": queues })).into_response())
}

async fn payment_address<A: Actions>(State(api): Api<A>, headers: HeaderMap) -> Reply {
    guard(&api, &headers)?;
    Ok(PyJson(json!({"address": api.wallet.payment_address})).into_response())
}

async fn owner_address<A: Actions>(State(api): Api<A>, headers: HeaderMap) -> Reply {
    guard(&api, &headers)?;
    Ok(PyJson(json!({"address": api.wallet.owner_address})).into_response())
}

async fn data_pubkey<A: Actions>(State(api): Api<A>, headers: HeaderMap) -> Reply {
    guard(&api, &headers)?;
    match &api.wallet.data_pubkey {
        Some(key) => Ok(PyJson(json!({"public_key": key})).into_response()),
        None => Err(Reject {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: None,
        }),
    }
}

async fn balance_default<A: Actions>(state: Api<A>, headers: HeaderMap) -> Reply {
    let confs = state.0.wallet.min_confs;
    balance_with(state, headers, confs).await
}

async fn balance<A: Actions>(
    state: Api<A>,
    Path(minconfs): Path<String>,
    headers: HeaderMap,
) -> Reply {
    let confs = minconfs.parse::<u32>().map_err(|_| invalid_request())?;
    balance_with(state, headers, confs).await
}

async fn balance_with<A: Actions>(State(api): Api<A>, headers: HeaderMap, confs: u32) -> Reply {
    guard(&api, &headers)?;
    let sats = api.registrar.actions().balance(confs).await.map_err(|_| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Failed to query wallet balance",
        )
    })?;
    Ok(
        PyJson(json!({"balance": {"satoshis": sats, "bitcoin": sats as f64 / 1e8}}))
            .into_response(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawBody {
    address: String,
    amount: Option<u64>,
    min_confs: Option<u32>,
    tx_only: Option<bool>,
    message: Option<String>,
    payment_key: Option<Value>,
}

/// The longest OP_RETURN message a withdrawal may carry.
pub const MAX_WITHDRAW_MESSAGE: usize = 40;

/// `POST /v1/wallet/balance`: send bitcoins from the payment address.
async fn withdraw<A: Actions>(State(api): Api<A>, headers: HeaderMap, body: Bytes) -> Reply {
    guard(&api, &headers)?;
    let body: WithdrawBody = parse_body(&body)?;
    refuse_keys(&None, &body.payment_key)?;
    if body.amount == Some(0) {
        return Err(error(StatusCode::BAD_REQUEST, "Refusing to send 0 bitcoin"));
    }
    if body
        .message
        .as_ref()
        .is_some_and(|m| m.len() > MAX_WITHDRAW_MESSAGE)
    {
        return Err(invalid_request());
    }
    let request = crate::actions::WithdrawRequest {
        address: body.address,
        amount: body.amount,
        message: body.message.map(String::into_bytes),
        min_confs: body.min_confs.unwrap_or(api.wallet.min_confs),
    };
    let actions = api.registrar.actions();
    let tx = actions.withdraw(&request).await.map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            format!("Failed to transfer balance: {e}"),
        )
    })?;
    if body.tx_only.unwrap_or(false) {
        return Ok(PyJson(json!({"status": true, "tx": tx.hex})).into_response());
    }
    actions.broadcast(&tx).await.map_err(|e| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Failed to transfer balance: {e}"),
        )
    })?;
    Ok(
        PyJson(json!({"status": true, "success": true, "transaction_hash": tx.txid}))
            .into_response(),
    )
}

/// `GET /v1/wallet/keys`: the in-memory keys, private keys included (password only).
async fn keys<A: Actions>(State(api): Api<A>, headers: HeaderMap) -> Reply {
    guard(&api, &headers)?;
    Ok(PyJson(api.wallet.keys.clone()).into_response())
}

/// Changing the daemon's keys or password while it runs is not supported.
async fn unsupported<A: Actions>(State(api): Api<A>, headers: HeaderMap) -> Reply {
    guard(&api, &headers)?;
    Err(error(
        StatusCode::NOT_IMPLEMENTED,
        "This daemon's wallet is fixed while it runs: change the wallet with the blockstack CLI and restart the daemon",
    ))
}
