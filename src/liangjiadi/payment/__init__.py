"""DRG/DIP payment management (seeds/004): standards, point values and rates, monthly and
year-end settlement, assessment and monitoring. Layer 5: reads the lake through the engine."""
