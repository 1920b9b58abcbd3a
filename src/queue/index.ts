// The queue layer: see the layer table in DESIGN.md. Exports are added as the layer is built.
export {};
