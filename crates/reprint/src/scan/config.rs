//! What a scan is asked to do: [`ScanConfig`].

use crate::align::AlignConfig;
use crate::error::{Error, Result};
use crate::input::InputConfig;
use crate::scan::boilerplate::BoilerplateConfig;
use crate::scan::candidates::CandidateConfig;
use crate::scan::templates::TemplateConfig;
use crate::text::NormalizeConfig;

/// Everything a scan needs to know.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanConfig {
    /// How records map onto documents (`date_field` enables the likely-source guess).
    #[serde(skip)]
    pub input: InputConfig,
    /// How words are normalised into keys.
    pub normalize: NormalizeConfig,
    /// Candidate pairs from the n-gram index.
    pub candidates: CandidateConfig,
    /// Passage alignment of candidate pairs.
    #[serde(skip)]
    pub align: AlignConfig,
    /// Line-level boilerplate detection.
    pub boilerplate: BoilerplateConfig,
    /// Occurrences in one document overlapping by this share of the shorter one are
    /// the same passage.
    pub min_overlap: f64,
    /// Templates told apart from reuse.
    pub templates: TemplateConfig,
    /// Every member of a reuse cluster was aligned with the cluster's core at this
    /// similarity or more (`--min-core-similarity`); components that chain through
    /// weaker links are cut.
    pub min_core_similarity: f64,
    /// Candidate pairs aligned together between two rounds of freeing document
    /// analyses: smaller blocks hold fewer analyses at once, larger ones keep both
    /// cores busier. The report does not depend on it.
    pub align_block_pairs: usize,
    /// Stop at the first input issue.
    pub strict: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            input: InputConfig::default(),
            normalize: NormalizeConfig::default(),
            candidates: CandidateConfig::default(),
            align: AlignConfig::default(),
            boilerplate: BoilerplateConfig::default(),
            min_overlap: 0.5,
            templates: TemplateConfig::default(),
            min_core_similarity: 0.3,
            align_block_pairs: 8192,
            strict: false,
        }
    }
}

impl ScanConfig {
    /// Checks that the parameters make sense together.
    pub fn validate(&self) -> Result<()> {
        if self.candidates.ngram_words == 0 || self.candidates.min_shared == 0 {
            return Err(Error::Config(
                "n-gram size and shared n-grams must be at least 1".into(),
            ));
        }
        if self.candidates.max_df < 2 {
            return Err(Error::Config(
                "max document frequency must be at least 2".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_overlap) {
            return Err(Error::Config("min overlap must be in [0, 1]".into()));
        }
        if !(0.0..=1.0).contains(&self.min_core_similarity) {
            return Err(Error::Config(
                "min core similarity must be in [0, 1]".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.templates.max_slot_agreement)
            || !(0.0..=1.0).contains(&self.templates.max_cluster_slot_agreement)
        {
            return Err(Error::Config(
                "template slot agreement must be in [0, 1]".into(),
            ));
        }
        if !(-1.0..=1.0).contains(&self.templates.min_shape_gain)
            || !(-1.0..=1.0).contains(&self.templates.min_cluster_shape_gain)
        {
            return Err(Error::Config(
                "template shape gains must be in [-1, 1]".into(),
            ));
        }
        if self.templates.min_slots == 0 || self.templates.min_documents < 2 {
            return Err(Error::Config(
                "template slots must be at least 1 and template documents at least 2".into(),
            ));
        }
        Ok(())
    }
}
