/**
 * Few-shot prediction for users: adapt a meta-model once on a support set (images and labels, 2 to N classes for
 * an N-way model) and get a {@link org.dl4jmeta.predict.FewShotClassifier} that predicts single images or batches
 * with probabilities, independently of the batch's composition (batch norm uses the adapted support set's
 * statistics), and that saves and loads as an adapted model file.
 */
package org.dl4jmeta.predict;
