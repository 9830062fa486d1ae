//! The learned ranking layer: per-candidate features computed by the
//! [`Recommender`](crate::Recommender) and a tree ensemble over them, trained
//! natively (`xsell train`) and shipped in the model's `RANK` section.
//!
//! The linear blend of the channels picks the top [`RERANK_DEPTH`]
//! candidates; when the model holds a forest, their final order is the
//! forest's. The features are a fixed, versioned set ([`FEATURE_SET`]): a
//! model whose trees read another set is refused at load.

mod forest;

pub use forest::{
    Forest, Node, Tree, MAX_NODES, MAX_TREES, NODE_LEN, RANK_HEADER_LEN, RANK_VERSION,
};

/// Candidates the forest re-orders (the linear blend's top ones).
pub const RERANK_DEPTH: usize = 100;

/// Version of the feature set below; bump it whenever a feature changes.
pub const FEATURE_SET: u16 = 1;

/// The features of one candidate, in vector order, with what each means.
pub const FEATURES: [(&str, &str); 17] = [
    ("linear", "the tuned linear blend's score"),
    (
        "linear_rank",
        "position in the linear blend's list (0 = first)",
    ),
    (
        "co",
        "co-occurrence links from the context, normalised by the strongest candidate's",
    ),
    (
        "seq",
        "sequential (added-after) links from the context, same normalisation",
    ),
    (
        "support",
        "context and history items linking to the candidate",
    ),
    ("best_link", "the strongest single link, same normalisation"),
    (
        "best_link_age",
        "events since the strongest link's source (0 = the newest; 255 = none or history)",
    ),
    ("popularity", "log popularity code / 255"),
    (
        "category_share",
        "share of the context in the candidate's category",
    ),
    (
        "buy_again",
        "on-device history: share of stored baskets holding it, times w_history",
    ),
    ("repeat", "already in this session (its recency weight)"),
    ("session_len", "context length in events"),
    ("page", "page type: 0 product, 1 cart, 2 checkout, 3 home"),
    (
        "price_ratio",
        "price over the context's mean price (-1 when unknown)",
    ),
    (
        "similarity_last",
        "item-vector cosine to the newest context item (0 without vectors)",
    ),
    ("history_baskets", "stored baskets on the device"),
    (
        "same_category_last",
        "1 when in the newest context item's category",
    ),
];

/// Number of features per candidate.
pub const N_FEATURES: usize = FEATURES.len();
