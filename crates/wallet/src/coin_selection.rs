//! Coin selection over one party's UTXOs: **largest first**.
//!
//! The original tries the largest 1, 2, 3, … UTXOs until the transaction is
//! funded (cli-wallet.md §c.6), which yields the fewest inputs. We keep that
//! rule rather than branch-and-bound because
//!
//! * name-op transactions are small and a payment wallet typically holds a
//!   handful of UTXOs, so the waste a smarter search could save is tiny;
//! * it is deterministic and easy to reason about (ties are broken by
//!   outpoint), which keeps builder tests exact;
//! * every prefix is a candidate, so the builder can re-estimate the fee
//!   for each input count exactly instead of guessing the input count first.
//!
//! A UTXO worth less than the fee of spending it never helps; once the
//! largest remaining one is uneconomic the search stops.

use bitcoin::{Amount, OutPoint};

/// An unspent output of a known party (its script is the party's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Utxo {
    /// Where it is.
    pub outpoint: OutPoint,
    /// Its value.
    pub value: Amount,
}

/// The UTXOs sorted as selection takes them: value descending, then outpoint.
pub fn largest_first(utxos: &[Utxo]) -> Vec<Utxo> {
    let mut sorted = utxos.to_vec();
    sorted.sort_by(|a, b| b.value.cmp(&a.value).then(a.outpoint.cmp(&b.outpoint)));
    sorted
}

/// Outcome of trying one prefix of the sorted UTXOs.
pub(crate) enum Attempt<T> {
    /// The prefix funds the transaction.
    Funded(T),
    /// Still short by this much.
    Short(Amount),
}

/// Tries prefixes of `sorted` of length 1, 2, … and returns the first funded
/// one with its length, or the smallest shortfall seen. `input_cost` is the
/// fee of one more input; a UTXO not worth more than it ends the search.
pub(crate) fn select_prefix<T>(
    sorted: &[Utxo],
    input_cost: Amount,
    mut attempt: impl FnMut(&[Utxo]) -> Attempt<T>,
) -> Result<(T, usize), Amount> {
    let mut best_short: Option<Amount> = None;
    for len in 1..=sorted.len() {
        let Some(prefix) = sorted.get(..len) else {
            break;
        };
        if len > 1 && prefix.last().is_some_and(|u| u.value <= input_cost) {
            break;
        }
        match attempt(prefix) {
            Attempt::Funded(done) => return Ok((done, len)),
            Attempt::Short(short) => {
                best_short = Some(best_short.map_or(short, |b| b.min(short)));
            }
        }
    }
    Err(best_short.unwrap_or(Amount::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;
    use bitcoin::Txid;

    fn utxo(n: u8, sat: u64) -> Utxo {
        Utxo {
            outpoint: OutPoint {
                txid: Txid::from_byte_array([n; 32]),
                vout: 0,
            },
            value: Amount::from_sat(sat),
        }
    }

    #[test]
    fn sorts_by_value_then_outpoint() {
        let sorted = largest_first(&[utxo(3, 10), utxo(1, 50), utxo(2, 10)]);
        let order: Vec<u64> = sorted.iter().map(|u| u.value.to_sat()).collect();
        assert_eq!(order, [50, 10, 10]);
        assert_eq!(sorted[1].outpoint.txid, Txid::from_byte_array([2; 32]));
    }

    #[test]
    fn picks_the_fewest_inputs() {
        let sorted = largest_first(&[utxo(1, 30), utxo(2, 40), utxo(3, 50)]);
        let need = Amount::from_sat(85);
        let result = select_prefix(&sorted, Amount::ZERO, |p| {
            let sum: Amount = p.iter().map(|u| u.value).sum();
            if sum >= need {
                Attempt::Funded(sum)
            } else {
                Attempt::Short(need - sum)
            }
        });
        assert_eq!(result, Ok((Amount::from_sat(90), 2)));
    }

    #[test]
    fn reports_the_smallest_shortfall_and_skips_uneconomic_utxos() {
        let sorted = largest_first(&[utxo(1, 100), utxo(2, 5)]);
        let mut tried = 0;
        let result: Result<((), usize), Amount> =
            select_prefix(&sorted, Amount::from_sat(10), |p| {
                tried += 1;
                let sum: Amount = p.iter().map(|u| u.value).sum();
                Attempt::Short(Amount::from_sat(1000) - sum)
            });
        assert_eq!(result, Err(Amount::from_sat(900)));
        assert_eq!(tried, 1, "the 5-sat UTXO costs more than it adds");
    }
}
