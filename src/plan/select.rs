//! The exact choice of apps to leave out of a backup so it fits, in the order a user cares about: first the
//! mildest worst loss, then the fewest apps, then the fewest bytes beyond what is needed.

use serde::Serialize;

/// What a user loses by leaving an app out of the iCloud backup, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// The app's own cloud holds the data (Telegram, Spotify, Google Photos…).
    None,
    /// Offline media or caches the app fetches again.
    Redownload,
    /// Chats or documents that live only on the phone (and every app not known to be safer).
    UserData,
}

/// Something the Backups screen lets a user switch off: an app, or the Photo Library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub bytes: u64,
    pub loss: Loss,
}

/// The chosen candidates (indices into the input), how much they free, and the worst loss among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub picked: Vec<usize>,
    pub bytes: u64,
    pub worst: Loss,
    /// False only when the search hit its work limit and returned the best set found so far.
    pub exact: bool,
}

impl Choice {
    /// The order being minimised: worst loss, number of apps, bytes beyond the shortfall (the tests compare
    /// choices by it).
    #[cfg(test)]
    pub fn key(&self, shortfall: u64) -> (Loss, usize, u64) {
        (
            self.worst,
            self.picked.len(),
            self.bytes.saturating_sub(shortfall),
        )
    }
}

/// Branch-and-bound nodes before giving up on proving optimality; real candidate lists (a few hundred apps,
/// a handful picked) finish in far fewer.
const NODE_LIMIT: u64 = 20_000_000;

/// The best set that frees at least `shortfall` bytes, or `None` when even every candidate together does not.
/// A shortfall of 0 needs nothing: `Some` with an empty set.
pub fn choose(candidates: &[Candidate], shortfall: u64) -> Option<Choice> {
    if shortfall == 0 {
        return Some(Choice {
            picked: Vec::new(),
            bytes: 0,
            worst: Loss::None,
            exact: true,
        });
    }
    for level in [Loss::None, Loss::Redownload, Loss::UserData] {
        // Largest first: the fewest items come from the front, and the search meets good sets early.
        let mut pool: Vec<usize> = (0..candidates.len())
            .filter(|&i| candidates[i].loss <= level && candidates[i].bytes > 0)
            .collect();
        pool.sort_by(|&a, &b| {
            let (a, b) = (&candidates[a], &candidates[b]);
            b.bytes.cmp(&a.bytes).then_with(|| a.id.cmp(&b.id))
        });
        let sizes: Vec<u64> = pool.iter().map(|&i| candidates[i].bytes).collect();
        let total = sizes.iter().fold(0u64, |a, &b| a.saturating_add(b));
        if total < shortfall {
            continue;
        }
        // The fewest items that can cover: the k largest are the best any k items can do.
        let mut k = 0;
        let mut covered = 0u64;
        while covered < shortfall {
            covered = covered.saturating_add(sizes[k]);
            k += 1;
        }
        let mut search = Search::new(&sizes, k, shortfall);
        search.run();
        let picked: Vec<usize> = search.best_set.iter().map(|&p| pool[p]).collect();
        let worst = picked
            .iter()
            .map(|&i| candidates[i].loss)
            .max()
            .unwrap_or(Loss::None);
        return Some(Choice {
            picked,
            bytes: search.best_sum,
            worst,
            exact: search.nodes < NODE_LIMIT,
        });
    }
    None
}

/// Exactly `k` of `sizes` (sorted largest first) with a sum of at least `need`, the sum as small as possible.
struct Search<'a> {
    sizes: &'a [u64],
    k: usize,
    need: u64,
    /// `suffix_min[i][j]`-style bound without the table: the j smallest of `sizes[i..]` are its last j.
    chosen: Vec<usize>,
    best_set: Vec<usize>,
    best_sum: u64,
    nodes: u64,
}

impl<'a> Search<'a> {
    fn new(sizes: &'a [u64], k: usize, need: u64) -> Self {
        // The k largest cover (k was chosen so): a valid first answer to improve on.
        let best_set: Vec<usize> = (0..k).collect();
        let best_sum = sizes[..k].iter().fold(0u64, |a, &b| a.saturating_add(b));
        Search {
            sizes,
            k,
            need,
            chosen: Vec::with_capacity(k),
            best_set,
            best_sum,
            nodes: 0,
        }
    }

    fn run(&mut self) {
        self.visit(0, 0);
    }

    fn visit(&mut self, from: usize, sum: u64) {
        self.nodes += 1;
        if self.nodes >= NODE_LIMIT {
            return;
        }
        let left = self.k - self.chosen.len();
        if left == 0 {
            if sum >= self.need && sum < self.best_sum {
                self.best_sum = sum;
                self.best_set.clone_from(&self.chosen);
            }
            return;
        }
        let n = self.sizes.len();
        if n - from < left {
            return;
        }
        // Bounds: the largest `left` from here must still reach `need`, and the smallest `left` must beat the best.
        let most: u64 = self.sizes[from..from + left]
            .iter()
            .fold(sum, |a, &b| a.saturating_add(b));
        if most < self.need {
            return;
        }
        let least: u64 = self.sizes[n - left..]
            .iter()
            .fold(sum, |a, &b| a.saturating_add(b));
        if least >= self.best_sum {
            return;
        }
        let mut i = from;
        while i + left <= n {
            self.chosen.push(i);
            self.visit(i + 1, sum.saturating_add(self.sizes[i]));
            self.chosen.pop();
            if self.best_sum == self.need {
                return; // nothing beats an exact fit
            }
            // Another item of the same size in this position gives the same sums: skip the duplicates.
            let size = self.sizes[i];
            i += 1;
            while i < n && self.sizes[i] == size {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn candidate(i: usize, bytes: u64, loss: Loss) -> Candidate {
        Candidate {
            id: format!("app{i}"),
            bytes,
            loss,
        }
    }

    /// Every subset, scored by the same key: the reference the search must equal.
    fn brute_force(candidates: &[Candidate], shortfall: u64) -> Option<(Loss, usize, u64)> {
        let n = candidates.len();
        (0u32..(1 << n))
            .filter_map(|mask| {
                let picked: Vec<&Candidate> = (0..n)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| &candidates[i])
                    .collect();
                let bytes: u64 = picked.iter().map(|c| c.bytes).sum();
                (bytes >= shortfall).then(|| {
                    let worst = picked.iter().map(|c| c.loss).max().unwrap_or(Loss::None);
                    (worst, picked.len(), bytes - shortfall)
                })
            })
            .min()
    }

    #[test]
    fn prefers_a_milder_loss_over_fewer_apps_and_fewer_apps_over_fewer_bytes() {
        let c = vec![
            candidate(0, 10_000, Loss::UserData),
            candidate(1, 4_000, Loss::None),
            candidate(2, 4_000, Loss::Redownload),
            candidate(3, 3_000, Loss::None),
            candidate(4, 3_500, Loss::None),
        ];
        // 10,000 is one app but loses user data; three "none" apps cover 10,500.
        let choice = choose(&c, 10_000).unwrap();
        assert_eq!(choice.worst, Loss::None);
        assert_eq!(choice.picked.len(), 3);
        assert_eq!(choice.bytes, 10_500);
        // Two "none" apps suffice for 7,000: 4,000 + 3,000 is exactly 7,000.
        let choice = choose(&c, 7_000).unwrap();
        assert_eq!((choice.picked.len(), choice.bytes), (2, 7_000));
        assert_eq!(choose(&c, 0).unwrap().picked, Vec::<usize>::new());
        assert_eq!(choose(&c, 30_000), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn equals_brute_force_and_no_pick_is_superfluous(
            items in prop::collection::vec((0u64..5_000, 0u8..3), 0..12),
            shortfall in 0u64..20_000,
        ) {
            let candidates: Vec<Candidate> = items
                .iter()
                .enumerate()
                .map(|(i, &(bytes, loss))| candidate(i, bytes, [Loss::None, Loss::Redownload, Loss::UserData][loss as usize]))
                .collect();
            let ours = choose(&candidates, shortfall);
            let best = brute_force(&candidates, shortfall);
            prop_assert_eq!(ours.as_ref().map(|c| c.key(shortfall)), best);
            if let Some(choice) = ours {
                prop_assert!(choice.exact);
                let sum: u64 = choice.picked.iter().map(|&i| candidates[i].bytes).sum();
                prop_assert_eq!(sum, choice.bytes);
                prop_assert!(sum >= shortfall);
                for &dropped in &choice.picked {
                    prop_assert!(sum - candidates[dropped].bytes < shortfall, "app {} could be dropped", dropped);
                }
            }
        }
    }

    /// 300 apps with heavy-tailed sizes (as on real phones: a few large, most small), a third of them safe to
    /// leave out; a shortfall that needs several.
    fn realistic(n: usize) -> Vec<Candidate> {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Log-uniform from 100 kB to 10 GB.
                let exp = 5.0 + (x % 10_000) as f64 / 10_000.0 * 5.0;
                let loss = [Loss::None, Loss::Redownload, Loss::UserData][i % 3];
                candidate(i, 10f64.powf(exp) as u64, loss)
            })
            .collect()
    }

    #[test]
    fn hundreds_of_realistic_candidates_finish_exactly() {
        let c = realistic(300);
        for shortfall in [
            1_000_000,
            500_000_000,
            5_000_000_000,
            20_000_000_000,
            60_000_000_000,
        ] {
            let choice = choose(&c, shortfall).unwrap();
            assert!(choice.exact, "shortfall {shortfall}");
            assert!(choice.bytes >= shortfall);
        }
    }

    #[test]
    fn an_adversarial_list_says_when_it_is_not_proven_optimal() {
        // Many mid-size apps of one class with a shortfall needing many: subset-sum territory. The answer still
        // covers the shortfall with the fewest apps; only the last criterion may be unproven, and it says so.
        let c: Vec<Candidate> = (0..300)
            .map(|i| candidate(i, 1_000_000 + (i as u64 * 7_919) % 50_000_000, Loss::None))
            .collect();
        let choice = choose(&c, 400_000_000).unwrap();
        assert!(choice.bytes >= 400_000_000);
        let k_min = {
            let mut sizes: Vec<u64> = c.iter().map(|c| c.bytes).collect();
            sizes.sort_unstable_by(|a, b| b.cmp(a));
            sizes
                .iter()
                .scan(0u64, |acc, &s| {
                    *acc += s;
                    Some(*acc)
                })
                .position(|s| s >= 400_000_000)
                .unwrap()
                + 1
        };
        assert_eq!(choice.picked.len(), k_min);
    }
}
