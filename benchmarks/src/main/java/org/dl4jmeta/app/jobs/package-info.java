/**
 * The job commands of the app: {@code train} (meta-training with checkpoints, resume, validation and metrics),
 * {@code eval} (mean accuracy and 95% CI over seeded test episodes), {@code adapt} (fine-tune a meta-model on a
 * folder of images) and {@code export} (a plain SameDiff file), with their configuration and data wiring.
 */
package org.dl4jmeta.app.jobs;
