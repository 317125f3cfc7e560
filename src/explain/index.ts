// The explain namespace: tools to look inside a trained network (Erhan et al.
// 2009; Zeiler & Fergus 2014; Simonyan, Vedaldi & Zisserman 2014; Goodfellow,
// Shlens & Szegedy 2015): filters and activations as images, activation
// statistics over a population, input gradients and saliency maps,
// maximum-response inputs, adversarial samples, decision regions and hidden
// representations, and gradient norms per layer.
import { layerFiltersToPng } from './filters.js';
import { inputGradients, saliency } from './saliency.js';
import { fgsm, pgd } from './adversarial.js';
import { activationMaximization } from './maximize.js';
import { activations, activationStats } from './activations.js';
import { decisionBoundary, representation } from './boundary.js';
import { gradientStats, gradientStatsCallback } from './gradient-stats.js';
import { rankCorrelation, sanityCheck } from './sanity.js';
import { activationHistogramsToPng, activationMapsToPng, adversarialToPng, gradientStatsToPng, saliencyToPng } from './pictures.js';

/** Looking inside trained models: saliency, adversarial samples, activation maximisation, activations and their statistics, pictures. */
export const explain = {
  inputGradients,
  saliency,
  sanityCheck,
  rankCorrelation,
  fgsm,
  pgd,
  activationMaximization,
  activations,
  activationStats,
  decisionBoundary,
  representation,
  gradientStats,
  gradientStatsCallback,
  saliencyToPng,
  adversarialToPng,
  activationMapsToPng,
  activationHistogramsToPng,
  gradientStatsToPng,
  layerFiltersToPng,
};

export type { LayerFilterOptions } from './filters.js';
export type { InputGradientsOptions, SaliencyMethod, SaliencyOptions, SaliencyResult } from './saliency.js';
export type { IntegrationRule } from './quadrature.js';
export type { AttackLoss, FgsmOptions, PgdOptions, FlipReport, AttackResult } from './adversarial.js';
export type { ActivationMaximizationOptions, ActivationMaximizationResult } from './maximize.js';
export type { ActivationsOptions, ActivationStatsOptions, LayerActivationStats } from './activations.js';
export type { DecisionBoundaryOptions, DecisionBoundary, RepresentationOptions, Representation } from './boundary.js';
export type { LayerGradientStats, GradientStatsOptions, GradientStatsCallbackOptions, GradientStatsCallback } from './gradient-stats.js';
export type { SanityCheckOptions, SanityCheck, SanityStep } from './sanity.js';
export type { PictureValues, SaliencyPngOptions, AdversarialPngOptions, ActivationMapsPngOptions, HistogramPngOptions } from './pictures.js';
export type { Score } from './common.js';
